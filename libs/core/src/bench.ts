/**
 * Shared shapes and timing of `edgefl bench`. Every performance claim is a ratio against
 * a reference measured in the same run, so a loaded or slower machine shifts both sides.
 */

/** One `results` entry of an edgefl-bench/1 record. */
export interface BenchRow {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly ratioToReference: number;
  readonly [extra: string]: string | number | boolean | null;
}

/** The benchmark record `edgefl bench <what> --json` writes. */
export interface BenchRecord {
  readonly format: 'edgefl-bench/1';
  readonly bench: string;
  readonly reference: { readonly name: string; readonly value: number | null; readonly unit: string };
  readonly results: readonly BenchRow[];
}

/** Best time per call (ms) over calls lasting at least `minMs` in all, after one warm-up call. */
export function bestMs(fn: () => unknown, minMs: number): number {
  fn();
  let best = Infinity;
  const t0 = performance.now();
  let calls = 0;
  while (calls < 3 || performance.now() - t0 < minMs) {
    const a = performance.now();
    fn();
    best = Math.min(best, performance.now() - a);
    calls++;
  }
  return best;
}

let sink = 0;

/** Keeps a benchmarked value observable so the JIT cannot drop the work. */
export function consume(x: number): void {
  sink += x;
  if (sink === -1) console.log('');
}

/** The codec benchmarks' reference: one plain JS pass over the vector (sum of squares). */
export function sumOfSquares(v: Float32Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  return s;
}

let freshCount = 0;

/**
 * `sumOfSquares` compiled anew: its own bytecode and type feedback, so what ran before (other
 * vectors, other benchmarks sharing `bestMs`) cannot change how V8 optimizes it. A shared
 * copy measured 1222 M elements/s on its first call and ~918 after, which made every codec
 * ratio read ~1.3× better than against a fresh plain pass.
 */
export function freshSumOfSquares(): (v: Float32Array) => number {
  // A distinct source text defeats V8's compilation cache, which would share the function.
  return new Function('v', `/* fresh reference ${freshCount++} */ let s = 0; for (let i = 0; i < v.length; i++) s += v[i] * v[i]; return s;`) as (v: Float32Array) => number;
}

/** Million elements per second of a fresh reference pass over `v` (see `freshSumOfSquares`). */
export function referenceRate(v: Float32Array, minMs: number): number {
  const pass = freshSumOfSquares();
  return v.length / bestMs(() => consume(pass(v)), minMs) / 1e3;
}
