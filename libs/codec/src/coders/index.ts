export * from './elias.js';
export * from './golomb.js';
