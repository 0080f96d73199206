import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TokenBucketShaper, budgetOf, type ShaperClock } from '@edgefl/transport';

/** A clock that only moves when someone sleeps: rates measured on it are exact. */
function virtualClock(): ShaperClock & { t: number } {
  const c = {
    t: 0,
    now: () => c.t,
    sleep: async (ms: number) => {
      c.t += ms;
    },
  };
  return c;
}

const link = { from: 'dev-01', to: 'gateway' };

test('token bucket: a saturated link is held to its budget (measured rate within 5 %, never above by more than one burst)', async () => {
  for (const [rate, packet] of [[100_000, 1200], [1_000_000, 262_158], [8_000, 40]] as const) {
    const clock = virtualClock();
    const shaper = new TokenBucketShaper({ rateOf: (l) => (l.from === 'dev-01' ? rate : null), clock, burstMs: 50 });
    let bytes = 0;
    // Send for 20 budget-seconds' worth of traffic.
    while (bytes * 8 < rate * 20) {
      await shaper.admit(link, packet);
      bytes += packet;
    }
    const measured = (bytes * 8) / (clock.t / 1000);
    assert.ok(Math.abs(measured - rate) / rate < 0.05, `rate ${rate}: measured ${measured.toFixed(0)} bit/s`);
    assert.ok(bytes * 8 <= rate * (clock.t / 1000) + rate * 0.05 + packet * 8, 'never more than budget + burst + one packet');
    const s = shaper.snapshot()[0]!;
    assert.equal(s.bytes, bytes);
    assert.ok(s.delayed > 0 && s.delayMs > 0);
  }
});

test('token bucket: a sender descheduled past its packets\' departure times (a loaded machine) still gets its budget over the run, and never more', async () => {
  // Virtual time; every 4th wait wakes 120 ms late (the process was not scheduled), and the
  // sender takes 2 ms between packets. A bucket that credits only one 50 ms burst after such a
  // stall loses 70 ms each time (the −6.7 % measured on a loaded machine); the rate over the
  // shaped interval — bits ÷ virtual time from the first packet to the last departure — must
  // stay within 5 % of the budget.
  for (const [rate, packet, lateMs] of [[100_000, 1200, 120], [1_000_000, 4120, 120], [200_000, 4120, 300]] as const) {
    const clock = virtualClock();
    let sleeps = 0;
    const stalling: ShaperClock = {
      now: () => clock.t,
      sleep: async (ms) => {
        clock.t += ms + (++sleeps % 4 === 0 ? lateMs : 0);
      },
    };
    const shaper = new TokenBucketShaper({ rateOf: () => rate, clock: stalling, burstMs: 50 });
    let bits = 0;
    let worst = -Infinity;
    while (bits < rate * 20) {
      await shaper.admit(link, packet);
      bits += packet * 8;
      // Never ahead of the budget by more than one burst and one packet, at any moment.
      worst = Math.max(worst, bits - (rate * clock.t) / 1000);
      clock.t += 2;
    }
    const measured = bits / ((clock.t - 2) / 1000);
    assert.ok(Math.abs(measured - rate) / rate < 0.05, `rate ${rate}, ${lateMs} ms stalls: measured ${measured.toFixed(0)} bit/s (×${(measured / rate).toFixed(4)})`);
    assert.ok(worst <= rate * 0.05 + packet * 8, `ahead of budget by ${worst.toFixed(0)} bits`);
  }
});

test('token bucket: a long idle earns one burst, not the credit of an earlier stall', async () => {
  const clock = virtualClock();
  let late = 200;
  const stalling: ShaperClock = { now: () => clock.t, sleep: async (ms) => { clock.t += ms + late; late = 0; } };
  const shaper = new TokenBucketShaper({ rateOf: () => 80_000, clock: stalling, burstMs: 50 });
  // 1000 bytes = 100 ms at 80 kbit/s: the first packet uses the burst, the second waits (and wakes 200 ms late).
  await shaper.admit(link, 1000);
  await shaper.admit(link, 1000);
  clock.t += 10_000;
  // After 10 s idle: 50 ms of credit (4000 bits) — a 500-byte packet passes, the next 500 bytes wait.
  assert.equal(shaper.admit(link, 500), undefined);
  const before = clock.t;
  await shaper.admit(link, 500);
  assert.equal(clock.t - before, 50);
});

test('token bucket: unbudgeted links are never delayed; traffic below the rate passes at once', async () => {
  const clock = virtualClock();
  const shaper = new TokenBucketShaper({ rateOf: (l) => (l.to === 'gateway' ? 80_000 : null), clock, burstMs: 100 });
  for (let i = 0; i < 100; i++) assert.equal(shaper.admit({ from: 'gateway', to: 'dev-01' }, 100_000), undefined);
  // 1000 bytes (8000 bits) per 200 ms is 40 kbit/s, under 80 kbit/s: no wait.
  for (let i = 0; i < 10; i++) {
    await shaper.admit(link, 1000);
    clock.t += 200;
  }
  assert.equal(shaper.snapshot().find((s) => s.from === 'dev-01')!.delayed, 0);
  assert.equal(clock.t, 2000);
});

test('token bucket: concurrent packets queue behind each other (delayed, never dropped)', async () => {
  const sleeps: number[] = [];
  const clock: ShaperClock = { now: () => 0, sleep: async (ms) => void sleeps.push(ms) };
  const shaper = new TokenBucketShaper({ rateOf: () => 8000, clock, burstMs: 0 });
  await Promise.all([1, 2, 3].map(() => shaper.admit(link, 1000)));
  // 8000 bits each at 8000 bit/s: the 2nd waits 2 s, the 3rd 3 s.
  assert.deepEqual(sleeps, [1000, 2000, 3000]);
});

test('budgetOf: device overrides the default field by field; broadcasts take the tightest downlink; peers their own', () => {
  const budgets = {
    default: { up: { bitsPerSec: 1000, bitsPerRound: 500 }, down: { bitsPerSec: 8000 } },
    devices: { 'dev-02': { up: { bitsPerSec: 2000 }, down: { bitsPerSec: 4000, bitsPerRound: 100 } } },
    links: { 'dev-01->dev-02': { bitsPerSec: 300 } },
  };
  const devs = ['dev-01', 'dev-02'];
  assert.deepEqual(budgetOf(budgets, { from: 'dev-01', to: 'gateway' }, devs), { bitsPerSec: 1000, bitsPerRound: 500 });
  assert.deepEqual(budgetOf(budgets, { from: 'dev-02', to: 'gateway' }, devs), { bitsPerSec: 2000, bitsPerRound: 500 });
  assert.deepEqual(budgetOf(budgets, { from: 'gateway', to: 'dev-01' }, devs), { bitsPerSec: 8000, bitsPerRound: undefined });
  assert.deepEqual(budgetOf(budgets, { from: 'gateway', to: '*' }, devs), { bitsPerSec: 4000, bitsPerRound: 100 });
  assert.deepEqual(budgetOf(budgets, { from: 'dev-01', to: 'dev-02' }, devs), { bitsPerSec: 300 });
  assert.deepEqual(budgetOf(budgets, { from: 'dev-02', to: 'dev-01' }, devs), { bitsPerSec: 2000, bitsPerRound: 500 });
  assert.equal(budgetOf(undefined, link), null);
  assert.equal(budgetOf({ default: { down: { bitsPerSec: 1 } } }, link), null);
});
