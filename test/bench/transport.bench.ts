/**
 * Cost of the transport layer against references measured in the same run. Run:
 *   node --conditions=edgefl-source --import tsx test/bench/transport.bench.ts [MiB] [limitKiB]
 *
 * - splitMessage / Reassembler vs one plain copy of the message (`Uint8Array.set`);
 * - a message through aedes on loopback with FleetClient (chunk, publish QoS 1, reassemble)
 *   vs the same bytes published raw with mqtt.js in pieces of the same size (no frames, no
 *   reassembly): the ratio is what edgefl's framing and bookkeeping cost over plain MQTT.
 * `benchTransport` lives in @edgefl/gateway; `edgefl bench broker` runs it too.
 */
import { pathToFileURL } from 'node:url';
import { benchTransport } from '@edgefl/gateway';
import { printRows } from './print-rows.js';

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const mib = Number(process.argv[2] ?? 5);
  const kib = Number(process.argv[3] ?? 256);
  const { reference, results } = await benchTransport(Math.round(mib * 1024 * 1024), Math.round(kib * 1024));
  printRows('broker', reference, results, { value: 1, ratio: 4 });
}
