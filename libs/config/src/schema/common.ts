import * as z from 'zod';

/** Job names appear in MQTT topics and file names. */
export const JobName = z.string().regex(/^[a-z0-9_-]{1,64}$/);

/** Device ids appear in MQTT topics. */
export const DeviceId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** `level` absent: EDGEFL_LOG_LEVEL, then `info` (resolved by @edgefl/telemetry). */
export const LogSchema = z.strictObject({ level: z.enum(LOG_LEVELS).optional() }).prefault({});

/**
 * Named datasets of @edgefl/data (kept in step with its BUILTIN_DATASETS by a test;
 * config does not import data so that reading a config never loads a dataset reader).
 */
export const DATASET_NAMES = ['digits', 'breast_cancer', 'iris', 'diabetes', 'fashion-mnist'] as const;

/** The `DatasetSpec` of @edgefl/data: a name, `{ name, split }`, `{ csv, … }`, `{ idx: { images, labels } }` or `{ synthetic, … }`. */
export const DatasetSpecSchema = z.union([
  z.enum(DATASET_NAMES),
  z.strictObject({ name: z.enum(DATASET_NAMES), split: z.enum(['train', 'test']).optional() }),
  z.strictObject({
    csv: z.string().min(1),
    delimiter: z.enum(['comma', 'whitespace', 'auto']).optional(),
    header: z.enum(['auto', 'none', 'names', 'sklearn']).optional(),
    label: z.int().optional(),
    targetPath: z.string().min(1).optional(),
    task: z.enum(['classification', 'regression']).optional(),
    name: z.string().min(1).optional(),
  }),
  z.strictObject({
    idx: z.strictObject({ images: z.string().min(1), labels: z.string().min(1) }),
    name: z.string().min(1).optional(),
  }),
  z.strictObject({
    synthetic: z.literal('least-squares'),
    rows: z.int().min(1),
    features: z.int().min(1),
    kappa: z.number().min(1).optional(),
    target: z.enum(['gaussian', 'planted']).optional(),
    noise: z.number().min(0).optional(),
    seed: z.int().min(0).optional(),
  }),
  z.strictObject({
    synthetic: z.literal('sinusoid'),
    rows: z.int().min(1),
    amplitude: z.number().optional(),
    phase: z.number().optional(),
    seed: z.int().min(0).optional(),
  }),
]).describe(`a dataset name (${DATASET_NAMES.join(', ')}), { name, split }, { csv: path, … }, { idx: { images, labels } } { synthetic: least-squares, rows, features, kappa?, target?, noise?, seed? } or { synthetic: sinusoid, rows, amplitude?, phase?, seed? }`);
export type DatasetSpecConfig = z.output<typeof DatasetSpecSchema>;

/** The `PartitionSpec` of @edgefl/data. */
export const PartitionSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('iid') }),
  z.strictObject({ kind: z.literal('shards'), shardsPerDevice: z.int().min(1).default(2) }),
  z.strictObject({ kind: z.literal('dirichlet'), alpha: z.number().positive().default(0.5) }),
]);
export type PartitionConfig = z.output<typeof PartitionSchema>;

/**
 * A codec: `id` plus scalar parameters (the `CodecSpec` of @edgefl/codec). Which ids and
 * parameters exist is checked against the codec registry when the job starts.
 */
export const CodecSpecSchema = z
  .object({ id: z.string().regex(/^[a-z0-9_-]{1,32}$/) })
  .catchall(z.union([z.string(), z.number(), z.boolean()]));
export type CodecSpecConfig = z.output<typeof CodecSpecSchema>;

/**
 * A discriminated union whose tag may be left out: `model: { hidden: [64] }` means the
 * default kind, so `--set model.hidden=[64,32]` works on a file without a `model` key.
 */
export function defaultTag<S extends z.ZodType>(tag: string, value: string, schema: S) {
  return z.preprocess(
    (v) => (v !== null && typeof v === 'object' && !Array.isArray(v) && !(tag in v) ? { [tag]: value, ...v } : v),
    schema,
  );
}
