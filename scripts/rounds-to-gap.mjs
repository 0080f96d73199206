#!/usr/bin/env node
// Reads run records (edgefl sim --json) and prints, for each, the first round whose
// objectiveGap ≤ the threshold and the payload bits sent up to and including that round.
//   node scripts/rounds-to-gap.mjs 1e-5 run1.json run2.json …
import { readFileSync } from 'node:fs';

const [threshold, ...files] = process.argv.slice(2);
const eps = Number(threshold);
if (!(eps > 0) || files.length === 0) {
  console.error('usage: node scripts/rounds-to-gap.mjs <threshold> <run.json>…');
  process.exit(2);
}
console.log('| run | algorithm | rounds to gap | payload bits to gap | bits / round | final gap |');
console.log('|---|---|---|---|---|---|');
for (const f of files) {
  const rec = JSON.parse(readFileSync(f, 'utf8'));
  let bits = 0;
  let hit = null;
  for (const r of rec.rounds) {
    bits += r.payloadBits;
    if (hit === null && typeof r.objectiveGap === 'number' && r.objectiveGap <= eps) hit = { round: r.round, bits };
  }
  const last = rec.rounds[rec.rounds.length - 1];
  const perRound = rec.totals.payloadBits / rec.rounds.length;
  console.log(`| ${f} | ${rec.config.algorithm.name} | ${hit ? hit.round : `not within ${rec.rounds.length}`} | ${hit ? hit.bits : '—'} | ${perRound} | ${last.objectiveGap.toExponential(2)} |`);
}
