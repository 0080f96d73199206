import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { Rng, subset, type Dataset } from '@edgefl/core';

const DATA_DIR = fileURLToPath(new URL('../../../../data/', import.meta.url));

/** Parses a numeric CSV (optionally gzipped, optionally with a header row); last column is the target. */
function parseCsv(name: string, text: string, header: boolean, classes: number): Dataset {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const rows = (header ? lines.slice(1) : lines).map((l) => l.split(',').map(Number));
  const features = rows[0]!.length - 1;
  const x = new Float32Array(rows.length * features);
  const y = new Float32Array(rows.length);
  rows.forEach((r, i) => {
    for (let j = 0; j < features; j++) x[i * features + j] = r[j]!;
    y[i] = r[features]!;
  });
  return { name, n: rows.length, features, x, y, classes };
}

/** Per-feature standardisation with statistics of `fit` applied to each set. */
function standardize(fit: Dataset, ...sets: Dataset[]): void {
  const f = fit.features;
  for (let j = 0; j < f; j++) {
    let m = 0;
    let v = 0;
    for (let i = 0; i < fit.n; i++) m += fit.x[i * f + j]!;
    m /= fit.n;
    for (let i = 0; i < fit.n; i++) v += (fit.x[i * f + j]! - m) ** 2;
    const sd = Math.sqrt(v / fit.n) || 1;
    for (const s of sets) for (let i = 0; i < s.n; i++) s.x[i * f + j] = (s.x[i * f + j]! - m) / sd;
  }
}

/** Seeded train/test split (test fraction `frac`), standardised on the training part. */
function split(ds: Dataset, frac: number, seed: number): { train: Dataset; test: Dataset } {
  const idx = new Rng(seed).shuffle(Array.from({ length: ds.n }, (_, i) => i));
  const cut = Math.round(ds.n * (1 - frac));
  const train = subset(ds, idx.slice(0, cut), `${ds.name}-train`);
  const test = subset(ds, idx.slice(cut), `${ds.name}-test`);
  standardize(train, train, test);
  return { train, test };
}

/** scikit-learn digits: 1797 × 64 (8×8), 10 classes; no header. */
export function digits(seed = 1): { train: Dataset; test: Dataset } {
  const text = gunzipSync(readFileSync(`${DATA_DIR}digits.csv.gz`)).toString('utf8');
  return split(parseCsv('digits', text, false, 10), 0.25, seed);
}

/** Wisconsin breast cancer: 569 × 30, binary; header row. */
export function breastCancer(seed = 1): { train: Dataset; test: Dataset } {
  return split(parseCsv('breast-cancer', readFileSync(`${DATA_DIR}breast_cancer.csv`, 'utf8'), true, 2), 0.25, seed);
}
