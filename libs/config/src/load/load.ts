import type * as z from 'zod';
import { ConfigError, type ConfigProblem } from '../errors.js';
import { applyOverrides, parseOverrides, type Override } from './overrides.js';
import { dotted, toProblems } from './problems.js';
import { readYamlFile } from './yaml.js';

/**
 * Validate plain data against a schema (defaults filled in). `source` names the data in
 * errors: a file name, or e.g. "job spec from the gateway" for configs that travel.
 */
export function validateConfig<S extends z.ZodType>(schema: S, data: unknown, source: string, overrides: readonly Override[] = []): z.output<S> {
  const r = schema.safeParse(data);
  if (r.success) return r.data;
  throw new ConfigError(source, blameOverrides(toProblems(r.error.issues, data, schema), overrides));
}

/**
 * Read a YAML file, apply `--set path=value` overrides, then validate. Every problem
 * (missing file, YAML syntax, unknown or missing key, wrong type) is a ConfigError that
 * lists them all with the file name; nothing is returned half-valid.
 */
export function loadConfig<S extends z.ZodType>(path: string, schema: S, overrides: readonly string[] = []): z.output<S> {
  const sets = parseOverrides(overrides);
  const data = asMapping(readYamlFile(path), path);
  applySets(schema, data, sets, path);
  return validateConfig(schema, data, path, sets);
}

/** Apply --set overrides in place; one that switches a section's kind drops the old kind's keys. */
export function applySets(schema: z.ZodType, data: Record<string, unknown>, sets: readonly Override[], file: string): void {
  const switched = switchedKinds(data, sets);
  applyOverrides(data, sets, file);
  dropOtherKindKeys(schema, data, switched, sets);
}

/** Sections whose `kind` an override changes (e.g. `--set model.kind=logistic` on an mlp model). */
function switchedKinds(data: Record<string, unknown>, sets: readonly Override[]): (readonly string[])[] {
  return sets
    .filter((o) => o.path[o.path.length - 1] === 'kind' && valueAt(data, o.path) !== o.value)
    .map((o) => o.path.slice(0, -1));
}

/**
 * Switching a tagged section's kind with --set drops the keys of the old kind that the new
 * one does not accept (`model.hidden` when an mlp becomes logistic), so the switch works
 * without editing the file. Keys the new kind shares are kept; keys given by --set are
 * never dropped (a wrong one is still reported).
 */
function dropOtherKindKeys(schema: z.ZodType, data: Record<string, unknown>, switched: readonly (readonly string[])[], sets: readonly Override[]): void {
  if (switched.length === 0) return;
  const r = schema.safeParse(data);
  if (r.success) return;
  for (const issue of r.error.issues) {
    if (issue.code !== 'unrecognized_keys') continue;
    const at = dotted(issue.path);
    if (!switched.some((p) => dotted(p) === at)) continue;
    const section = valueAt(data, issue.path.map(String));
    if (section === null || typeof section !== 'object' || Array.isArray(section)) continue;
    for (const key of issue.keys) {
      const k = at === '(root)' ? key : `${at}.${key}`;
      if (sets.some((o) => dotted(o.path) === k || dotted(o.path).startsWith(`${k}.`))) continue;
      delete (section as Record<string, unknown>)[key];
    }
  }
}

function valueAt(data: unknown, path: readonly string[]): unknown {
  let v = data;
  for (const seg of path) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[seg] : undefined;
  return v;
}

/** The document root must be a mapping; anything else is a single problem. */
export function asMapping(data: unknown, source: string): Record<string, unknown> {
  if (data !== null && typeof data === 'object' && !Array.isArray(data)) return data as Record<string, unknown>;
  throw new ConfigError(source, [{ path: '(root)', message: `(root): expected mapping of keys, got ${Array.isArray(data) ? 'a list' : JSON.stringify(data)}` }]);
}

/** Mark problems caused by an override, so an unknown key from --set is named as such. */
function blameOverrides(problems: ConfigProblem[], overrides: readonly Override[]): ConfigProblem[] {
  if (overrides.length === 0) return problems;
  return problems.map((p) => {
    const o = overrides.find((s) => {
      const k = dotted(s.path);
      return p.path === k || p.path.startsWith(`${k}.`);
    });
    return o ? { path: p.path, message: `${p.message} (from --set ${o.source})` } : p;
  });
}
