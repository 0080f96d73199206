import { Encoder } from 'cbor-x';
import { CodecError } from './errors.js';
import type { CodecSpec, Envelope, EnvelopeHeader } from './types.js';
import { isKnownCodecId } from './registry.js';
import { MAX_DIM } from './compressors/checks.js';

/**
 * Wire envelope: one CBOR array [v, job, round, phase, from, seq, codec, dim, bits, body, meta?].
 * `meta` (an algorithm's small scalar side data, e.g. a worker's sample count) is appended
 * only when present, so messages without it cost nothing extra.
 * An array (not a map) keeps the header to its values only; the codec spec stays a small
 * map because its parameter names vary by codec. Overhead for a typical header is ~40 bytes
 * (measured in test/unit/codec/envelope.test.ts and docs/codecs/README.md).
 */
const cbor = new Encoder({
  useRecords: false,
  mapsAsObjects: true,
  variableMapSize: true,
  tagUint8Array: false,
});

const FIELDS = 10;
const MAX_META = 16;
const MAX_TEXT = 256;
const MAX_PARAMS = 16;
/** Default cap on an envelope's size when the receiver does not give one (MAX_DIM float32s + header). */
const DEFAULT_MAX_BYTES = MAX_DIM * 4 + 4096;

export interface EnvelopeExpectation {
  /** reject messages larger than this before decoding */
  readonly maxBytes?: number;
  /** the dimension the receiver's model has */
  readonly dim?: number;
  /** the job the receiver belongs to */
  readonly job?: string;
  /** largest dimension accepted when `dim` is not given (default 2^28) */
  readonly maxDim?: number;
}

export function encodeEnvelope(header: EnvelopeHeader, body: Uint8Array): Uint8Array {
  validateHeader(header, body);
  const h = header;
  const fields: unknown[] = [h.v, h.job, h.round, h.phase, h.from, h.seq, { ...h.codec }, h.dim, h.bits, body];
  if (h.meta !== undefined) fields.push({ ...h.meta });
  const out: Uint8Array = cbor.encode(fields);
  return out;
}

export function decodeEnvelope(bytes: Uint8Array, expect: EnvelopeExpectation = {}): Envelope {
  const maxBytes = expect.maxBytes ?? DEFAULT_MAX_BYTES;
  if (!(bytes instanceof Uint8Array)) throw new CodecError('envelope: message is not a byte array');
  if (bytes.length > maxBytes) {
    throw new CodecError(`envelope: message is ${bytes.length} bytes, over the limit of ${maxBytes}`,
      'raise the receiver\'s message size limit or send a smaller/compressed update');
  }
  let raw: unknown;
  try {
    raw = cbor.decode(bytes);
  } catch (e) {
    throw new CodecError(`envelope: not valid CBOR (${e instanceof Error ? e.message : String(e)})`);
  }
  if (!Array.isArray(raw) || (raw.length !== FIELDS && raw.length !== FIELDS + 1)) {
    throw new CodecError(`envelope: expected a CBOR array of ${FIELDS} or ${FIELDS + 1} fields, got ${describe(raw)}`);
  }
  const [v, job, round, phase, from, seq, codecRaw, dim, bits, bodyRaw, metaRaw] = raw as unknown[];
  if (v !== 1) {
    throw new CodecError(`envelope: format version ${describe(v)} is not supported (this build reads version 1)`,
      'upgrade edgefl on the older side so both ends speak the same envelope version');
  }
  const body = bodyRaw instanceof Uint8Array ? bodyRaw : undefined;
  if (!body) throw new CodecError(`envelope: body is ${describe(bodyRaw)}, expected a byte string`);
  const header = {
    v: 1 as const,
    job: text('job', job),
    round: int('round', round, 0, Number.MAX_SAFE_INTEGER),
    phase: int('phase', phase, 0, 0xffff),
    from: text('from', from),
    seq: int('seq', seq, 0, Number.MAX_SAFE_INTEGER),
    codec: codecSpec(codecRaw),
    dim: int('dim', dim, 0, expect.maxDim ?? MAX_DIM),
    bits: int('bits', bits, 0, Number.MAX_SAFE_INTEGER),
    ...(raw.length > FIELDS ? { meta: metaMap(metaRaw) } : {}),
  } satisfies EnvelopeHeader;
  checkBits(header.bits, body.length);
  if (expect.dim !== undefined && header.dim !== expect.dim) {
    throw new CodecError(`envelope: vector dimension ${header.dim} from ${header.from} does not match this model's ${expect.dim}`,
      'every participant of a job must train the same model; check the job\'s model config');
  }
  if (expect.job !== undefined && header.job !== expect.job) {
    throw new CodecError(`envelope: message belongs to job "${header.job}", not "${expect.job}"`,
      'check the topic subscriptions and job ids of sender and receiver');
  }
  // Copy out of the input buffer so the caller may reuse it.
  return { header, body: new Uint8Array(body) };
}

/** Bytes of an envelope beyond its body (for reports and budgets). */
export function envelopeOverhead(header: EnvelopeHeader, body: Uint8Array): number {
  return encodeEnvelope(header, body).length - body.length;
}

function validateHeader(h: EnvelopeHeader, body: Uint8Array): void {
  if (h.v !== 1) throw new CodecError(`envelope: cannot write format version ${String(h.v)}`);
  text('job', h.job);
  int('round', h.round, 0, Number.MAX_SAFE_INTEGER);
  int('phase', h.phase, 0, 0xffff);
  text('from', h.from);
  int('seq', h.seq, 0, Number.MAX_SAFE_INTEGER);
  codecSpec(h.codec);
  int('dim', h.dim, 0, MAX_DIM);
  int('bits', h.bits, 0, Number.MAX_SAFE_INTEGER);
  if (h.meta !== undefined) metaMap(h.meta);
  checkBits(h.bits, body.length);
}

/** `meta`: at most MAX_META short keys with finite numbers. */
function metaMap(x: unknown): Record<string, number> {
  if (typeof x !== 'object' || x === null || Array.isArray(x) || x instanceof Uint8Array) {
    throw new CodecError(`envelope: meta is ${describe(x)}, expected a map of numbers`);
  }
  const entries = Object.entries(x);
  if (entries.length > MAX_META) throw new CodecError(`envelope: meta has ${entries.length} entries (at most ${MAX_META})`);
  const out: Record<string, number> = {};
  for (const [k, val] of entries) {
    if (k.length === 0 || k.length > 64) throw new CodecError(`envelope: meta key of ${k.length} characters (1 to 64 allowed)`);
    if (typeof val !== 'number' || !Number.isFinite(val)) throw new CodecError(`envelope: meta ${k} is ${describe(val)}, expected a finite number`);
    out[k] = val;
  }
  return out;
}

/** The body holds the payload bits and at most the final byte's padding. */
function checkBits(bits: number, bodyLength: number): void {
  if (Math.ceil(bits / 8) !== bodyLength) {
    throw new CodecError(`envelope: header says ${bits} payload bits but the body is ${bodyLength} bytes (needs ${Math.ceil(bits / 8)})`);
  }
}

function text(field: string, x: unknown): string {
  if (typeof x !== 'string' || x.length === 0 || x.length > MAX_TEXT) {
    throw new CodecError(`envelope: ${field} is ${describe(x)}, expected a non-empty string of at most ${MAX_TEXT} characters`);
  }
  return x;
}

function int(field: string, x: unknown, lo: number, hi: number): number {
  if (typeof x !== 'number' || !Number.isInteger(x) || x < lo || x > hi) {
    throw new CodecError(`envelope: ${field} is ${describe(x)}, expected an integer in [${lo}, ${hi}]`);
  }
  return x;
}

function codecSpec(x: unknown): CodecSpec {
  if (typeof x !== 'object' || x === null || Array.isArray(x) || x instanceof Uint8Array) {
    throw new CodecError(`envelope: codec is ${describe(x)}, expected a map with an "id"`);
  }
  const entries = Object.entries(x);
  if (entries.length > MAX_PARAMS) throw new CodecError(`envelope: codec has ${entries.length} parameters (at most ${MAX_PARAMS})`);
  const spec: Record<string, string | number | boolean> = {};
  for (const [k, val] of entries) {
    if (k.length > 64) throw new CodecError(`envelope: codec parameter name of ${k.length} characters is too long`);
    if (typeof val === 'string' ? val.length > MAX_TEXT : typeof val === 'number' ? !Number.isFinite(val) : typeof val !== 'boolean') {
      throw new CodecError(`envelope: codec parameter ${k} is ${describe(val)}, expected a finite number, short string or boolean`);
    }
    spec[k] = val as string | number | boolean;
  }
  const id = spec['id'];
  if (typeof id !== 'string' || !isKnownCodecId(id)) {
    throw new CodecError(`envelope: unknown codec id ${describe(id)}`,
      'the sender uses a codec this build does not know; run the same edgefl version on both ends');
  }
  return spec as CodecSpec;
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (x instanceof Uint8Array) return `a byte string of ${x.length} bytes`;
  if (Array.isArray(x)) return `an array of ${x.length}`;
  if (typeof x === 'string') return x.length > 40 ? `"${x.slice(0, 40)}…"` : `"${x}"`;
  if (typeof x === 'object') return 'a map';
  return String(x);
}
