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
  applyOverrides(data, sets, path);
  return validateConfig(schema, data, path, sets);
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
