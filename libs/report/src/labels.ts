import { ReportError } from './errors.js';
import type { RunFile } from './run-file.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `uniform 8-bit`, `topk (ratio=0.01)`: a codec spec from the resolved config, in words. */
export function describeCodec(spec: unknown): string {
  if (!isObj(spec)) return '?';
  const id = typeof spec['id'] === 'string' ? spec['id'] : '?';
  const bits = typeof spec['bits'] === 'number' ? ` ${spec['bits']}-bit` : '';
  const params = Object.entries(spec)
    .filter(([k, v]) => k !== 'id' && k !== 'bits' && (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean'))
    .map(([k, v]) => `${k}=${String(v)}`);
  return `${id}${bits}${params.length ? ` (${params.join(', ')})` : ''}`;
}

/** `fedavg · up uniform 8-bit · down float32`, from the record's resolved config. */
export function describeRun(config: unknown): string {
  const cfg = isObj(config) ? config : {};
  const alg = isObj(cfg['algorithm']) && typeof cfg['algorithm']['name'] === 'string' ? cfg['algorithm']['name'] : 'run';
  const codec = cfg['codec'];
  if (!isObj(codec)) return alg;
  const parts = [alg];
  if (codec['up'] !== undefined) parts.push(`up ${describeCodec(codec['up'])}`);
  if (codec['down'] !== undefined) parts.push(`down ${describeCodec(codec['down'])}`);
  if (codec['up'] === undefined && codec['down'] === undefined) parts.push(describeCodec(codec));
  return parts.join(' · ');
}

/**
 * One series label per run: the `--label` given for it, else algorithm + codec. Two runs
 * whose labels collide get their file names appended, so every series stays apart.
 */
export function runLabels(runs: readonly RunFile[], given: readonly string[] = []): string[] {
  if (given.length > 0 && given.length !== runs.length) {
    throw new ReportError('REPORT_LABELS', `${given.length} --label value(s) for ${runs.length} run file(s)`,
      'give one --label per run file, in the same order, or none');
  }
  const base = runs.map((r, i) => given[i] ?? describeRun(r.record.config));
  const dup = (labels: string[], i: number) => labels.some((l, j) => j !== i && l === labels[i]);
  const named = base.map((l, i) => (dup(base, i) ? `${l} (${runs[i]!.name})` : l));
  return named.map((l, i) => (dup(named, i) ? `${l} [${i + 1}]` : l));
}
