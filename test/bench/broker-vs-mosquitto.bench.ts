/**
 * The gateway's broker against Debian's Mosquitto under the same loopback load (20 QoS 1
 * publishers → 1 subscriber at 1 KB and 64 KB; a 2.4 KB QoS 1 ping-pong). Run:
 *   node --conditions=edgefl-source --import tsx test/bench/broker-vs-mosquitto.bench.ts [--quick]
 * `edgefl bench broker --against mosquitto` runs the same function.
 */
import { pathToFileURL } from 'node:url';
import { benchAgainstMosquitto } from '@edgefl/gateway';
import { printRows } from './print-rows.js';

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { reference, results } = await benchAgainstMosquitto({ quick: process.argv.includes('--quick') });
  printRows('broker', reference, results);
}
