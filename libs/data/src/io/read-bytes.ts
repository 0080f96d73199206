import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { DataError } from '../errors.js';

/** Decompressed files larger than this are refused (a gzip bomb must not take the host down). */
export const DEFAULT_MAX_BYTES = 1 << 30;

/** True when `buf` starts with the gzip magic bytes 1f 8b. */
export function isGzip(buf: Uint8Array): boolean {
  return buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;
}

/**
 * A file's bytes, gunzipped when its content is gzip. Detection is by magic bytes,
 * not by name: `x.csv` may be compressed and `x.csv.gz` may not be.
 */
export function readBytes(path: string, maxBytes = DEFAULT_MAX_BYTES): Uint8Array {
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DataError(
      `${path}: cannot read data file (${code ?? String(e)})`,
      code === 'ENOENT' ? 'check the path; relative paths resolve from the current directory' : 'check the file exists and is readable',
      { file: path },
      { cause: e },
    );
  }
  if (!isGzip(raw)) return raw;
  try {
    return gunzipSync(raw, { maxOutputLength: maxBytes });
  } catch (e) {
    const tooBig = (e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
    throw new DataError(
      tooBig ? `${path}: decompresses to more than ${maxBytes} bytes` : `${path}: corrupt gzip data (${(e as Error).message})`,
      tooBig ? 'raise maxBytes if the file is genuine' : 'download or copy the file again; `gzip -t <file>` checks it',
      { file: path },
      { cause: e },
    );
  }
}
