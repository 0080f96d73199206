/** Worker entry of runLoadInWorker: runs one load, posts its result, exits. */
import { parentPort, workerData } from 'node:worker_threads';
import { errorMessage } from '@edgefl/core';
import { runLoadHere } from './mqtt-load.js';
import type { MqttLoad } from './mqtt-load.js';

const { url, load } = workerData as { url: string; load: MqttLoad };
runLoadHere(url, load).then(
  (result) => parentPort!.postMessage({ ok: true, result }),
  (e: unknown) => parentPort!.postMessage({ ok: false, error: errorMessage(e) }),
);
