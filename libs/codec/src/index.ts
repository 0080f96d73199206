export type * from './types.js';
export { CodecError } from './errors.js';
export * from './bits/index.js';
export * from './coders/index.js';
