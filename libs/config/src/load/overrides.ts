import { parse } from 'yaml';
import { ConfigError, type ConfigProblem } from '../errors.js';

/** A parsed `--set path.to.key=value`. */
export interface Override {
  readonly path: readonly string[];
  readonly value: unknown;
  /** the argument as given, for messages */
  readonly source: string;
}

const SEGMENT = /^[A-Za-z0-9_-]+$/;

/**
 * Parse `path.to.key=value` arguments. The value is read as a YAML scalar or flow value,
 * so `rounds=5` is a number, `model.hidden=[64,32]` a list, `job=demo` a string,
 * `data.partition={kind: dirichlet, alpha: 0.1}` a mapping.
 */
export function parseOverrides(args: readonly string[]): Override[] {
  const problems: ConfigProblem[] = [];
  const out: Override[] = [];
  for (const arg of args) {
    const eq = arg.indexOf('=');
    const key = eq < 0 ? arg : arg.slice(0, eq);
    const path = key.split('.');
    if (eq < 0 || !path.every((s) => SEGMENT.test(s))) {
      problems.push({ path: key, message: `--set ${arg}: expected path.to.key=value, got ${JSON.stringify(arg)}` });
      continue;
    }
    const text = arg.slice(eq + 1);
    try {
      out.push({ path, value: text.trim() === '' ? '' : (parse(text) as unknown), source: arg });
    } catch (e) {
      problems.push({ path: key, message: `--set ${arg}: expected a YAML scalar or flow value, got ${JSON.stringify(text)} (${(e as Error).message.split('\n')[0]})` });
    }
  }
  if (problems.length > 0) throw new ConfigError('--set', problems, 'write each override as --set path.to.key=value, e.g. --set rounds=5 or --set model.hidden=[64,32]');
  return out;
}

/**
 * Apply overrides to raw (not yet validated) configuration data in place, creating
 * missing mappings on the way. Unknown keys are left for validation to report.
 */
export function applyOverrides(root: Record<string, unknown>, overrides: readonly Override[], file: string): void {
  const problems: ConfigProblem[] = [];
  for (const o of overrides) {
    let node: Record<string, unknown> | unknown[] = root;
    let ok = true;
    for (let i = 0; i < o.path.length - 1; i++) {
      const seg = o.path[i]!;
      const next: unknown = Array.isArray(node) ? node[Number(seg)] : node[seg];
      if (next === undefined || next === null) {
        const fresh: Record<string, unknown> = {};
        if (Array.isArray(node)) node[Number(seg)] = fresh; else node[seg] = fresh;
        node = fresh;
      } else if (typeof next === 'object') {
        node = next as Record<string, unknown> | unknown[];
      } else {
        const at = o.path.slice(0, i + 1).join('.');
        problems.push({ path: at, message: `--set ${o.source}: expected ${at} to be a mapping, got ${JSON.stringify(next)}; set ${at}={…} instead` });
        ok = false;
        break;
      }
    }
    if (!ok) continue;
    const last = o.path[o.path.length - 1]!;
    if (Array.isArray(node)) node[Number(last)] = o.value; else node[last] = o.value;
  }
  if (problems.length > 0) throw new ConfigError(file, problems);
}
