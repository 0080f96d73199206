/** Child-process entry of runLoadInChild: receives one load, runs it, sends its result, exits. */
import { errorMessage } from '@edgefl/core';
import { runLoadHere } from './mqtt-load.js';
import type { MqttLoad } from './mqtt-load.js';

process.once('message', (m: { url: string; load: MqttLoad }) => {
  runLoadHere(m.url, m.load).then(
    (result) => process.send!({ ok: true, result }, () => process.exit(0)),
    (e: unknown) => process.send!({ ok: false, error: errorMessage(e) }, () => process.exit(1)),
  );
});
