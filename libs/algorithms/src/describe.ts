import * as z from 'zod';
import { SHARED_REFERENCE_CODECS } from '@edgefl/codec';
import type { AlgorithmDeclaration } from './contract/declaration.js';
import { ALGORITHMS } from './registry.js';

/** One declared parameter, as help and docs show it. */
export interface ParamDoc {
  readonly key: string;
  readonly type: string;
  readonly default: string;
  readonly description: string;
}

type JsonSchema = {
  type?: string; enum?: unknown[]; const?: unknown; anyOf?: JsonSchema[]; default?: unknown; description?: string;
  minimum?: number; maximum?: number; exclusiveMinimum?: number; exclusiveMaximum?: number; items?: JsonSchema;
  properties?: Record<string, JsonSchema>; required?: string[];
};

const SAFE = Number.MAX_SAFE_INTEGER;

function typeOf(s: JsonSchema): string {
  if (s.anyOf) return s.anyOf.map(typeOf).join(' | ');
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(' | ');
  const range: string[] = [];
  if (s.minimum !== undefined && s.minimum > -SAFE) range.push(`≥ ${s.minimum}`);
  if (s.exclusiveMinimum !== undefined) range.push(`> ${s.exclusiveMinimum}`);
  if (s.maximum !== undefined && s.maximum < SAFE) range.push(`≤ ${s.maximum}`);
  if (s.exclusiveMaximum !== undefined) range.push(`< ${s.exclusiveMaximum}`);
  const base = s.type === 'array' && s.items ? `${typeOf(s.items)}[]` : (s.type ?? 'value');
  return range.length ? `${base} ${range.join(', ')}` : base;
}

/** The declared parameters of one algorithm (read from its zod schema: defaults, ranges, descriptions). */
export function paramDocs(d: AlgorithmDeclaration): ParamDoc[] {
  const json = z.toJSONSchema(d.params, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  return Object.entries(json.properties ?? {}).map(([key, s]) => ({
    key,
    type: typeOf(s),
    default: s.default !== undefined ? JSON.stringify(s.default) : (json.required ?? []).includes(key) ? '(required)' : '(optional)',
    description: s.description ?? '',
  }));
}

/** Plain-text list of every algorithm and its parameters, for `--help`. */
export function algorithmsHelp(): string {
  const lines = ['Algorithms (algorithm.name) and their parameters (algorithm.<key>):'];
  for (const d of ALGORITHMS) {
    lines.push(`  ${d.name} (${d.family}): ${d.summary}`);
    for (const p of paramDocs(d)) lines.push(`      ${p.key} = ${p.default}   ${p.type}${p.description ? `; ${p.description}` : ''}`);
  }
  return lines.join('\n');
}

/** docs/algorithms.md, generated from the declarations (`npm run docs:algorithms`; a test keeps it current). */
export function algorithmsMarkdown(): string {
  const out = [
    '# Algorithms',
    '',
    'Generated from the algorithms\' own declarations by `npm run docs:algorithms`; do not edit by hand.',
    'Choose one with `algorithm.name` in an experiment file or `--set algorithm.name=…`, and set its',
    'parameters as `algorithm.<key>`. A value outside its range is refused with the key and the range.',
    '',
    'Server algorithms that take the job\'s `codec.up` / `codec.down` (`fedavg`, `local-sadmm`, `stoc-admm`)',
    `accept any codec except one decoded against a reference shared with its sender (${SHARED_REFERENCE_CODECS.map((c) => `\`${c}\``).join(', ')},`,
    'also inside `ef`): a job naming one is refused when it starts, with a stateless codec to use instead',
    '(docs/codecs/README.md, "Server jobs and shared references"). Such codecs are for the peer links of',
    'the decentralized algorithms, which keep one reference per sender and resynchronise it with keyframes.',
    '',
  ];
  for (const d of ALGORITHMS) {
    out.push(`## \`${d.name}\``, '', `${d.summary}. Family: ${d.family === 'server' ? 'server and workers' : 'peers only (serverless)'}.`, '');
    const params = paramDocs(d);
    if (params.length === 0) { out.push('No parameters.', ''); continue; }
    out.push('| key | type and range | default | meaning |', '|---|---|---|---|');
    for (const p of params) out.push(`| \`${p.key}\` | ${p.type.replace(/\|/g, '\\|')} | \`${p.default}\` | ${p.description} |`);
    out.push('');
  }
  return out.join('\n');
}
