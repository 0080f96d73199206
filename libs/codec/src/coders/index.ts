export * from './elias.js';
export * from './golomb.js';
export * from './symbol-counts.js';
export * from './malcom.js';
export * from './sparse-index.js';
export * from './rans.js';
export * from './qsgd-elias.js';
