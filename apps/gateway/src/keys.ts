/**
 * `@edgefl/gateway/keys`: the key file and the security error, without the broker. What
 * `edgefl keys` and an agent reading its secret need; the package root loads aedes, the
 * monitor and the aggregator, which neither runs.
 */
export { SecurityError } from './security/errors.js';
export { KEYS_FORMAT, addKey, rotateKey, revokeKey, readKeyFile, writeKeyFile, isExposed, roleOf } from './security/keystore.js';
export type { KeyEntry, KeyFile, Role, AddOptions } from './security/keystore.js';
export { exportMosquitto } from './security/mosquitto.js';
export type { MosquittoExport, MosquittoExportOptions } from './security/mosquitto.js';
