/** Child-process entry of runLoadInChild: receives one load, runs it, sends its result, exits. */
import { errorMessage } from '@edgefl/core';
import { runLoadHere } from './mqtt-load.js';
import type { MqttLoad } from './mqtt-load.js';

process.once('message', (m: { url: string; load: MqttLoad }) => {
  const c0 = process.cpuUsage();
  runLoadHere(m.url, m.load).then(
    (result) => {
      const c = process.cpuUsage(c0);
      process.send!({ ok: true, result: { ...result, loadCpuMs: (c.user + c.system) / 1000 } }, () => process.exit(0));
    },
    (e: unknown) => process.send!({ ok: false, error: errorMessage(e) }, () => process.exit(1)),
  );
});
