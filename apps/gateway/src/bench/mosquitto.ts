import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { TransportError } from '@edgefl/transport';

export interface RunningMosquitto {
  readonly url: string;
  readonly port: number;
  /** the broker's process id */
  readonly pid: number;
  /** the binary that runs, e.g. /usr/sbin/mosquitto */
  readonly binary: string;
  /** its version line, e.g. `2.0.11` */
  readonly version: string;
  close(): Promise<void>;
}

/** Debian installs the broker in /usr/sbin, which is not on a normal user's PATH. */
export function findMosquitto(): string | null {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter).filter((d) => d !== ''), '/usr/sbin', '/usr/local/sbin'];
  for (const d of dirs) {
    const p = join(d, 'mosquitto');
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return null;
}

async function freeLoopbackPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/**
 * Starts Debian's Mosquitto on a free loopback port with a config file in a fresh temporary
 * directory (removed by `close`): anonymous, no persistence, no limit on queued QoS 1
 * messages (the default 1,000 would drop part of a benchmark burst), TCP_NODELAY on its
 * sockets as the gateway sets it (else every QoS 1 hop waits ~40 ms for a delayed ACK), packets up to
 * `maxPacketBytes`.
 */
export async function startMosquitto(opts: { maxPacketBytes: number; binary?: string }): Promise<RunningMosquitto> {
  const binary = opts.binary ?? findMosquitto();
  if (binary === null) {
    throw new TransportError(
      'mosquitto is not installed (looked on PATH, in /usr/sbin and /usr/local/sbin)',
      'install it: apt-get install -y mosquitto (or bash scripts/install-system-deps.sh mosquitto)',
    );
  }
  const port = await freeLoopbackPort();
  const dir = mkdtempSync(join(tmpdir(), 'edgefl-bench-mosquitto-'));
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, [
    `listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', `max_packet_size ${opts.maxPacketBytes}`,
    'max_queued_messages 0', 'max_inflight_messages 0', 'set_tcp_nodelay true', 'log_dest none', '',
  ].join('\n'));
  const child: ChildProcess = spawn(binary, ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const cleanup = (): void => rmSync(dir, { recursive: true, force: true });
  try {
    await new Promise<void>((resolve, reject) => {
      child.once('error', (e) => reject(new TransportError(`could not start ${binary}: ${e.message}`, 'install mosquitto: apt-get install -y mosquitto')));
      child.once('exit', (code) => reject(new TransportError(`mosquitto exited with code ${code} at start:\n${output}`, 'check the message above')));
      child.stdout!.on('data', (d: Buffer) => void (output += d.toString()));
      child.stderr!.on('data', (d: Buffer) => void (output += d.toString()));
      // `log_dest none` keeps it quiet, so readiness is a TCP connect that succeeds.
      const deadline = Date.now() + 10_000;
      const probe = (): void => {
        const c = connect(port, '127.0.0.1');
        c.once('connect', () => {
          c.destroy();
          resolve();
        });
        c.once('error', () => {
          c.destroy();
          if (Date.now() > deadline) reject(new TransportError(`mosquitto did not listen on 127.0.0.1:${port} within 10 s:\n${output}`, 'check that mosquitto starts by hand with this config'));
          else setTimeout(probe, 20);
        });
      };
      probe();
    });
  } catch (e) {
    child.kill('SIGKILL');
    cleanup();
    throw e;
  }
  const help = spawnSync(binary, ['-h'], { encoding: 'utf8' });
  const version = /mosquitto version ([\d.]+)/.exec(`${help.stdout}${help.stderr}`)?.[1] ?? 'unknown';
  return {
    url: `mqtt://127.0.0.1:${port}`, port, pid: child.pid!, binary, version,
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      cleanup();
    },
  };
}
