import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';

/** A free TCP port on 127.0.0.1 (the OS picks it; the listener is closed before returning). */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** A system daemon a test started (Debian's mosquitto, redis-server), with what it printed. */
export interface Daemon {
  readonly proc: ChildProcess;
  output(): string;
  /** SIGTERM, resolved once it exited (at once if it already had). */
  stop(): Promise<void>;
}

export interface DaemonSpec {
  command: string;
  args: readonly string[];
  /** printed on stdout or stderr once the daemon serves */
  ready: RegExp;
  /** the `scripts/install-system-deps.sh` argument that installs it, for the error */
  installs: string;
}

/**
 * Starts a daemon and resolves once it printed `ready`; rejects naming the install command
 * when it cannot be spawned, or with its output when it exits first.
 */
export async function startDaemon(spec: DaemonSpec): Promise<Daemon> {
  const proc = spawn(spec.command, [...spec.args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const on = (d: Buffer): void => {
      out += d.toString();
      if (spec.ready.test(out)) resolve();
    };
    proc.stdout!.on('data', on);
    proc.stderr!.on('data', on);
    proc.once('error', (e) =>
      reject(new Error(`could not start ${spec.command} (${e.message}); install it with: bash scripts/install-system-deps.sh ${spec.installs}`)),
    );
    proc.once('exit', (code) => reject(new Error(`${spec.command} exited with ${code}:\n${out}`)));
  });
  return {
    proc,
    output: () => out,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    },
  };
}

/** Debian's mosquitto with `conf` (its `listener` line names the port), ready once it says it runs. */
export function startMosquitto(conf: string): Promise<Daemon> {
  return startDaemon({ command: 'mosquitto', args: ['-c', conf, '-v'], ready: /mosquitto version [\d.]+ running/, installs: 'mosquitto' });
}

/** A throwaway redis-server on a free port: no snapshots, no append-only file. */
export async function startRedis(dir: string): Promise<Daemon & { url: string }> {
  const port = await freePort();
  const d = await startDaemon({
    command: 'redis-server',
    args: ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    ready: /Ready to accept connections/,
    installs: 'redis',
  });
  return { ...d, url: `redis://127.0.0.1:${port}` };
}
