import { join } from 'node:path';
import type { Dataset } from '@edgefl/core';
import { readCsv, type CsvOptions } from '../csv/read-csv.js';
import { DataError } from '../errors.js';
import { readIdx } from '../idx/read-idx.js';
import { syntheticLeastSquares, type SyntheticLeastSquaresSpec } from '../synthetic/least-squares.js';
import { syntheticSinusoid, type SyntheticSinusoidSpec } from '../synthetic/sinusoid.js';
import { BUILTIN_DATASETS, fashionMnistDir, fashionMnistFiles, hasFashionMnist, isBuiltinDataset, repoDataDir, type BuiltinDataset } from './builtin.js';

/** A CSV file with reader options. */
export interface CsvSpec extends CsvOptions {
  readonly csv: string;
}
/** An IDX images + labels pair. */
export interface IdxSpec {
  readonly idx: { readonly images: string; readonly labels: string };
  readonly name?: string;
}
/** A named dataset; `split` matters for fashion-mnist only (the others have one table). */
export interface NamedSpec {
  readonly name: BuiltinDataset;
  readonly split?: 'train' | 'test';
}
/** What `loadDataset` accepts: a name, or a file description. */
export type DatasetSpec = BuiltinDataset | NamedSpec | CsvSpec | IdxSpec | SyntheticLeastSquaresSpec | SyntheticSinusoidSpec;

/** Load a dataset by name (`digits`, …), from a `{ csv }` / `{ idx }` description, or generate a `{ synthetic }` one. */
export function loadDataset(spec: DatasetSpec | string): Dataset {
  if (typeof spec === 'string') return loadBuiltin(checkName(spec), 'train');
  if ('csv' in spec) {
    const { csv, ...opts } = spec;
    return readCsv(csv, opts);
  }
  if ('synthetic' in spec) return spec.synthetic === 'sinusoid' ? syntheticSinusoid(spec) : syntheticLeastSquares(spec);
  if ('idx' in spec) return readIdx(spec.idx.images, spec.idx.labels, spec.name === undefined ? {} : { name: spec.name });
  return loadBuiltin(checkName(spec.name), spec.split ?? 'train');
}

function checkName(name: string): BuiltinDataset {
  if (isBuiltinDataset(name)) return name;
  throw new DataError(
    `unknown dataset "${name}"`,
    `use one of ${BUILTIN_DATASETS.join(', ')}, or { csv: <path> } / { idx: { images, labels } } for your own files`,
  );
}

function loadBuiltin(name: BuiltinDataset, split: 'train' | 'test'): Dataset {
  const dir = repoDataDir();
  switch (name) {
    case 'digits':
      return readCsv(join(dir, 'digits.csv.gz'), { name, header: 'none' });
    case 'breast_cancer':
      return readCsv(join(dir, 'breast_cancer.csv'), { name, header: 'sklearn' });
    case 'iris':
      return readCsv(join(dir, 'iris.csv'), { name, header: 'sklearn' });
    case 'diabetes':
      return readCsv(join(dir, 'diabetes_data_raw.csv.gz'), {
        name,
        header: 'none',
        delimiter: 'whitespace',
        targetPath: join(dir, 'diabetes_target.csv.gz'),
        task: 'regression',
      });
    case 'fashion-mnist': {
      if (!hasFashionMnist()) {
        throw new DataError(
          `fashion-mnist is not installed in ${fashionMnistDir()}`,
          'run `apt-get install dataset-fashion-mnist` (Debian), or set EDGEFL_FASHION_MNIST_DIR to a folder with the four *-ubyte.gz files',
        );
      }
      const f = fashionMnistFiles(split);
      return readIdx(f.images, f.labels, { name: split === 'train' ? name : `${name}-test`, classes: 10 });
    }
  }
}
