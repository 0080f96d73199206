import type { Aedes, AuthenticateError, Client } from 'aedes';
import type { Log } from '@edgefl/core';

/** aedes 1.2 keeps its connected clients by id in a field its typings do not declare. */
interface AedesClients {
  readonly clients: Readonly<Record<string, Client | undefined>>;
}

/**
 * MQTT lets a new connection with a client id take the id over, disconnecting the holder
 * (MQTT 3.1.1 §3.1.4-2). Two agents started with one device id would then evict each
 * other forever, each reconnect kicking the other out. The gateway refuses the newcomer
 * instead: CONNACK 0x02 (identifier rejected), logged with the id, while the device that
 * holds it carries on. A holder that vanished without closing its socket (power loss) is
 * dropped by the broker after 1.5 × its keepalive; then the id is free again.
 *
 * Returns the error to pass to aedes' `authenticate` callback, or null when the id is free.
 */
export function refuseDuplicateClientId(aedes: Aedes, client: Client, log: Log): AuthenticateError | null {
  const holder = (aedes as unknown as AedesClients).clients[client.id];
  if (holder === undefined || holder === client || holder.closed) return null;
  log.warn(
    { clientId: client.id },
    `connection refused: client id ${client.id} is already connected (two devices with the same device id?); the device holding it stays connected`,
  );
  const err = new Error(`client id ${client.id} is already connected`) as AuthenticateError;
  err.returnCode = 2; // CONNACK 0x02: identifier rejected
  return err;
}
