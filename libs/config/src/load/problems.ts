import type { ZodType, core } from 'zod';
import type { ConfigProblem } from '../errors.js';
import { descriptionAt, isIntegerAt, knownKeys } from './walk.js';

type Issue = core.$ZodIssue;
type Path = readonly PropertyKey[];

/** Dotted key path; `(root)` for the document. */
export function dotted(path: Path): string {
  return path.length === 0 ? '(root)' : path.map(String).join('.');
}

/** A value as it appears in a message. */
export function show(v: unknown): string {
  if (v === undefined) return 'nothing (the key is missing)';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}…` : s;
}

function at(data: unknown, path: Path): unknown {
  let v = data;
  for (const seg of path) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[seg] : undefined;
  return v;
}

function bound(i: { origin: string; inclusive?: boolean }, limit: number | bigint, small: boolean): string {
  if (i.origin === 'array' || i.origin === 'set') return `${small ? 'at least' : 'at most'} ${limit} item${limit === 1 ? '' : 's'}`;
  if (i.origin === 'string') return `${small ? 'at least' : 'at most'} ${limit} character${limit === 1 ? '' : 's'}`;
  const op = small ? (i.inclusive ? '≥' : '>') : (i.inclusive ? '≤' : '<');
  return `${i.origin === 'int' ? 'integer' : 'number'} ${op} ${limit}`;
}

/** What an issue expected, in words (without the path or the value). */
function expected(i: Issue): string {
  switch (i.code) {
    case 'invalid_type': return i.expected === 'int' ? 'integer' : i.expected === 'record' ? 'mapping' : i.expected === 'object' ? 'mapping' : i.expected === 'array' ? 'list' : i.expected;
    case 'too_small': return bound(i, i.minimum, true);
    case 'too_big': return bound(i, i.maximum, false);
    case 'invalid_format': return i.format === 'regex' && i.pattern ? `string matching ${i.pattern}` : `${i.format} string`;
    case 'invalid_value': return i.values.length === 1 ? show(i.values[0]) : `one of ${i.values.map(show).join(' | ')}`;
    case 'not_multiple_of': return `multiple of ${i.divisor}`;
    default: return i.message;
  }
}

/**
 * Turn zod issues into `key.path: expected <what>, got <value>` problems. Unions report
 * the branch the value was closest to (an object with a typo gets that typo reported),
 * or, when no branch even has the value's shape, every alternative at once.
 */
export function toProblems(issues: readonly Issue[], data: unknown, schema: ZodType, prefix: Path = []): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  for (const i of issues) {
    const path = [...prefix, ...i.path];
    const key = dotted(path);
    const got = at(data, path);
    if (i.code === 'unrecognized_keys') {
      const known = knownKeys(schema, path, data);
      for (const k of i.keys) {
        const p = dotted([...path, k]);
        out.push({ path: p, message: `${p}: expected a known key${known ? ` (${known.join(', ')})` : ''}, got unknown key ${JSON.stringify(k)}` });
      }
    } else if (i.code === 'invalid_union' && i.errors.length === 0 && 'options' in i) {
      // discriminated union whose discriminator matched no option
      const opts = (i as { options?: readonly unknown[] }).options ?? [];
      out.push({ path: key, message: `${key}: expected one of ${opts.map(show).join(' | ')}, got ${show(got)}` });
    } else if (i.code === 'invalid_union') {
      const shapeMismatch = (b: readonly Issue[]): boolean =>
        b.length === 1 && b[0]!.path.length === 0 && (b[0]!.code === 'invalid_type' || b[0]!.code === 'invalid_value');
      const close = i.errors.filter((b) => !shapeMismatch(b));
      const fewest = Math.min(...close.map((b) => b.length));
      const best = close.filter((b) => b.length === fewest);
      const described = descriptionAt(schema, path, data);
      if (best.length === 1 || (best.length > 1 && described === undefined)) {
        out.push(...toProblems(best[0]!, data, schema, path));
      } else if (best.length > 1) {
        // the value is as close to several alternatives: name them all rather than guess
        out.push({ path: key, message: `${key}: expected ${described}, got ${show(got)}` });
      } else {
        const alts = descriptionAt(schema, path, data) ?? [...new Set(i.errors.map((b) => expected(b[0]!)))].join(' or ');
        out.push({ path: key, message: `${key}: expected ${alts}, got ${show(got)}` });
      }
    } else {
      let what = expected(i);
      if ((i.code === 'too_small' || i.code === 'too_big' || (i.code === 'invalid_type' && i.expected === 'number')) && isIntegerAt(schema, path, data)) {
        what = what.replace(/^number/, 'integer');
      }
      if (i.code === 'invalid_type' && got === undefined) what += ' (required)';
      out.push({ path: key, message: `${key}: expected ${what}, got ${show(got)}` });
    }
  }
  return out;
}
