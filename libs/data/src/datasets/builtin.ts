import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Datasets known by name. */
export const BUILTIN_DATASETS = ['digits', 'breast_cancer', 'iris', 'diabetes', 'randhie', 'fashion-mnist'] as const;
export type BuiltinDataset = (typeof BUILTIN_DATASETS)[number];

export interface BuiltinInfo {
  readonly task: 'classification' | 'regression';
  readonly rows: number;
  readonly features: number;
  /** 0 for regression */
  readonly classes: number;
  readonly description: string;
}

/** What each named dataset holds (the train split for fashion-mnist). */
export const BUILTIN_INFO: Readonly<Record<BuiltinDataset, BuiltinInfo>> = {
  digits: { task: 'classification', rows: 1797, features: 64, classes: 10, description: '8×8 handwritten digits, pixel values 0…16 (UCI, via scikit-learn)' },
  breast_cancer: { task: 'classification', rows: 569, features: 30, classes: 2, description: 'Wisconsin diagnostic breast cancer; 0 = malignant, 1 = benign' },
  iris: { task: 'classification', rows: 150, features: 4, classes: 3, description: "Fisher's iris" },
  diabetes: { task: 'regression', rows: 442, features: 10, classes: 0, description: 'diabetes progression after one year (raw, unscaled features)' },
  randhie: { task: 'regression', rows: 20190, features: 9, classes: 0, description: 'RAND Health Insurance Experiment: outpatient visits (mdvis) from 9 covariates (statsmodels, public domain)' },
  'fashion-mnist': { task: 'classification', rows: 60000, features: 784, classes: 10, description: '28×28 clothing images, pixels scaled to [0, 1] (test split: 10000 rows)' },
};

export function isBuiltinDataset(s: string): s is BuiltinDataset {
  return (BUILTIN_DATASETS as readonly string[]).includes(s);
}

/**
 * The repository's `data/` folder. This file sits at libs/data/{src,dist}/datasets/, so the
 * same relative step works from the sources (tests, tsx) and the compiled package.
 */
export function repoDataDir(): string {
  return fileURLToPath(new URL('../../../../data/', import.meta.url));
}

/** Where Debian's `dataset-fashion-mnist` installs the files; EDGEFL_FASHION_MNIST_DIR overrides. */
export function fashionMnistDir(): string {
  return process.env['EDGEFL_FASHION_MNIST_DIR'] ?? '/usr/share/datasets/fashion-mnist';
}

/** The images/labels pair of a Fashion-MNIST split. */
export function fashionMnistFiles(split: 'train' | 'test', dir = fashionMnistDir()): { images: string; labels: string } {
  const stem = split === 'train' ? 'train' : 't10k';
  return { images: join(dir, `${stem}-images-idx3-ubyte.gz`), labels: join(dir, `${stem}-labels-idx1-ubyte.gz`) };
}

/** True when the Fashion-MNIST files are installed. */
export function hasFashionMnist(dir = fashionMnistDir()): boolean {
  const f = fashionMnistFiles('train', dir);
  return existsSync(f.images) && existsSync(f.labels);
}
