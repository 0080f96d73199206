/**
 * Rate budgets on a real link. Run:
 *   node --conditions=edgefl-source --import tsx test/bench/budgets.bench.ts [seconds]
 *
 * A FleetClient publishes 16 kB messages (4 kB chunks, eight in flight) as fast as it can through an aedes
 * broker on loopback, first without a budget (the reference: what the link does unshaped),
 * then with token-bucket budgets of 0.2, 1 and 4 Mbit/s. For each it reports the rate
 * measured over the run from the sender's ledger and from the broker's socket counters, and
 * the ratio to the budget (the target: within 5 %).
 */
import { pathToFileURL } from 'node:url';
import { nullLog } from '@edgefl/core';
import { startBroker } from '@edgefl/gateway';
import { FleetClient, TokenBucketShaper, topics } from '@edgefl/transport';

interface Row {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly ratioToReference: number;
  readonly budgetBitsPerSec: number | null;
  readonly senderBitsPerSec: number;
  readonly brokerBitsPerSec: number;
  readonly ratioToBudget: number | null;
}

export async function benchBudgets(seconds = 3): Promise<{ reference: Row; results: Row[] }> {
  const broker = await startBroker({ host: '127.0.0.1', port: 0, maxMessageBytes: 4096, logger: nullLog });
  const job = 'bench-budget';
  const sink = await FleetClient.connect({ url: broker.url, clientId: 'sink', job, device: 'gateway', maxMessageBytes: 4096, qos: 1 });
  await sink.subscribe(`edgefl/v1/${job}/up/+`, () => {});
  const run = async (name: string, budget: number | null, referenceValue: number): Promise<Row> => {
    const shaper = new TokenBucketShaper({ rateOf: () => budget, burstMs: 50 });
    const client = await FleetClient.connect({ url: broker.url, clientId: name, job, device: name, maxMessageBytes: 4096, qos: 1, shaper });
    const topic = topics.up(job, name);
    const msg = new Uint8Array(16_384).fill(7);
    const brokerBefore = broker.counters.get(name).byKind['up']?.received.bytes ?? 0;
    const t0 = performance.now();
    // Unshaped: a fixed number of messages; shaped: `seconds` of budget.
    const target = budget === null ? 400 * msg.length : (budget / 8) * seconds;
    let sent = 0;
    // Eight messages in flight, so the sender always has traffic waiting (demand above budget).
    const worker = async (): Promise<void> => {
      while (sent < target) {
        const r = await client.publish(topic, msg);
        sent += r.wireBytes;
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    const elapsed = (performance.now() - t0) / 1000;
    const senderBits = (client.ledger.get({ from: name, to: 'gateway' })?.wireBytes ?? 0) - 0;
    const atBroker = (broker.counters.get(name).byKind['up']?.received.bytes ?? 0) - brokerBefore;
    await client.close();
    const senderRate = (senderBits * 8) / elapsed;
    // The status publish at connect is on the same link but not the `up` kind; count up only.
    const upRate = (sent * 8) / elapsed;
    const brokerRate = (atBroker * 8) / elapsed;
    return {
      name, value: upRate, unit: 'bit/s', ratioToReference: referenceValue > 0 ? upRate / referenceValue : 1,
      budgetBitsPerSec: budget, senderBitsPerSec: senderRate, brokerBitsPerSec: brokerRate, ratioToBudget: budget === null ? null : upRate / budget,
    };
  };
  try {
    const reference = await run('unshaped', null, 0);
    const results: Row[] = [];
    for (const b of [200_000, 1_000_000, 4_000_000]) results.push(await run(`budget-${b / 1000}k`, b, reference.value));
    return { reference: { ...reference, ratioToReference: 1 }, results };
  } finally {
    await sink.close();
    await broker.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { reference, results } = await benchBudgets(Number(process.argv[2] ?? 3));
  const mbit = (x: number): string => `${(x / 1e6).toFixed(3)} Mbit/s`;
  console.log(`reference: ${reference.name}: ${mbit(reference.value)} (no budget)`);
  for (const r of results) {
    console.log(`${r.name}: measured ${mbit(r.value)} (at the broker ${mbit(r.brokerBitsPerSec)})  budget ${mbit(r.budgetBitsPerSec!)}  ×${r.ratioToBudget!.toFixed(4)} of budget  ×${r.ratioToReference.toFixed(4)} of unshaped`);
  }
  console.log(JSON.stringify({ format: 'edgefl-bench/1', bench: 'budgets', reference, results }));
}
