/**
 * Training-step benchmark: fused ONNX Runtime SGD step vs forward-only (same run) and vs
 * the same MLP step as plain TypeScript loops. Run:
 *   node --conditions=edgefl-source --import tsx test/bench/train.bench.ts [--json out.json]
 * `benchTrain` (from @edgefl/train) is what `edgefl bench train` runs.
 */
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { benchTrain, TRAIN_BENCH_REFERENCE, type BenchRow } from '@edgefl/train';

export { benchTrain };

function fmt(rows: readonly BenchRow[]): string {
  const head = ['model', 'batch', 'step ms', 'fwd ms', 'step/fwd', 'split-io ms', 'js-loop ms', 'js/ort', 'samples/s'];
  const lines = rows.map((r) => [
    String(r.model), String(r.batch), r.value.toFixed(3), Number(r.forwardMs).toFixed(3), r.ratioToReference.toFixed(2), Number(r.splitParamsMs).toFixed(3),
    r.jsLoopMs === null ? '—' : Number(r.jsLoopMs).toFixed(3), r.ortSpeedupOverJs === null ? '—' : Number(r.ortSpeedupOverJs).toFixed(1),
    Number(r.samplesPerSec).toFixed(0),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  return [head, ...lines].map((l) => l.map((c, i) => c.padStart(widths[i]!)).join('  ')).join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows = await benchTrain();
  console.log(fmt(rows));
  const i = process.argv.indexOf('--json');
  if (i > 0 && process.argv[i + 1]) {
    writeFileSync(process.argv[i + 1]!, JSON.stringify({ format: 'edgefl-bench/1', bench: 'train', reference: { ...TRAIN_BENCH_REFERENCE, value: null }, results: rows }, null, 2));
  }
}
