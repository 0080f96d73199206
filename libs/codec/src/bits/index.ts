export { BitWriter } from './bit-writer.js';
export { BitReader } from './bit-reader.js';
export { packFixed, unpackFixed, writeFixed, readFixed, fixedByteLength } from './fixed-width.js';
export type { SymbolArray } from './fixed-width.js';
