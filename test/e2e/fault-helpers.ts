import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../helpers/daemons.js';
import type { LogLine } from '../helpers/cli-run.js';

const QUICKSTART = fileURLToPath(new URL('../../configs/quickstart.yaml', import.meta.url));

export interface FaultJob {
  readonly dir: string;
  readonly port: number;
  gatewayArgs(json?: string): string[];
  agentArgs(device: string): string[];
}

/**
 * A digits quickstart job of `rounds` rounds on two devices, on loopback with `auth: none`,
 * every node keeping its checkpoint under its own state.dir; `redis` keeps the broker's
 * sessions in Redis.
 */
export async function faultJob(o: { rounds: number; roundTimeoutMs: number; redis?: string; keepaliveSec?: number; stateful?: boolean }): Promise<FaultJob> {
  const dir = mkdtempSync(join(tmpdir(), 'edgefl-faults-'));
  const port = await freePort();
  const stateful = o.stateful ?? true;
  const gw = join(dir, 'gateway.yaml');
  writeFileSync(gw, [
    `listen: { host: 127.0.0.1, port: ${port} }`,
    'auth: none',
    `experimentFile: ${QUICKSTART}`,
    ...(stateful ? [`state: { dir: ${join(dir, 'gateway-state')} }`] : []),
    ...(o.redis ? [`persistence: { redis: "${o.redis}" }`] : []),
    'log: { level: info }',
  ].join('\n') + '\n');
  return {
    dir, port,
    gatewayArgs: (json) => [
      'gateway', '--config', gw, '--quiet', '--set', `experiment.rounds=${o.rounds}`, '--set', 'experiment.fleet.devices=2',
      '--set', `experiment.transport.roundTimeoutMs=${o.roundTimeoutMs}`, ...(json ? ['--json', json] : []),
    ],
    agentArgs(device) {
      const file = join(dir, `${device}.yaml`);
      writeFileSync(file, [
        `gateway: { url: "mqtt://127.0.0.1:${port}", keepaliveSec: ${o.keepaliveSec ?? 30} }`,
        `device: ${device}`, 'job: quickstart', `data: { dataset: digits, index: ${Number(device.slice(-2)) - 1} }`,
        ...(stateful ? [`state: { dir: ${join(dir, `${device}-state`)} }`] : []),
        'log: { level: info }',
      ].join('\n') + '\n');
      return ['agent', '--config', file];
    },
  };
}

/** Held-out accuracy the gateway logged for `round`. */
export function accuracyAt(lines: readonly LogLine[], round: number): number {
  const l = lines.find((x) => x['msg'] === 'round done' && x['round'] === round);
  if (!l) throw new Error(`no 'round done' line for round ${round}`);
  return l['heldOutAccuracy'] as number;
}

/** Rounds in which the gateway acted without `device`'s update. */
export function roundsMissing(lines: readonly LogLine[], device: string): number[] {
  return lines.filter((l) => l['msg'] === 'acting without late messages' && l['node'] === 'gateway' && (l['missing'] as string[]).includes(device)).map((l) => l['round'] as number);
}
