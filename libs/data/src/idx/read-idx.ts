import { basename } from 'node:path';
import type { Dataset } from '@edgefl/core';
import { DataError, MAX_CLASSES } from '../errors.js';
import { readBytes } from '../io/read-bytes.js';
import { idxElement, parseIdxHeader } from './header.js';

export interface IdxOptions {
  /** Dataset name; defaults to the images file name up to its first dot/dash. */
  readonly name?: string;
  /** Divide uint8 pixels by 255 so features lie in [0, 1]. Default true. */
  readonly scale?: boolean;
  /** Number of classes; default max label + 1. */
  readonly classes?: number;
}

/**
 * Read an images + labels pair in IDX format (MNIST, Fashion-MNIST), gzip or raw.
 * Images: n × d1 × … (any dims after the first are flattened into features);
 * labels: n integers ≥ 0.
 */
export function readIdx(imagesPath: string, labelsPath: string, opts: IdxOptions = {}): Dataset {
  const imgBuf = readBytes(imagesPath);
  const img = parseIdxHeader(imagesPath, imgBuf);
  const lblBuf = readBytes(labelsPath);
  const lbl = parseIdxHeader(labelsPath, lblBuf);
  if (img.dims.length < 2) {
    throw new DataError(`${imagesPath}: images need at least 2 IDX dims (count × features), got ${img.dims.length}`, 'did you swap the images and labels files?', { file: imagesPath });
  }
  if (lbl.dims.length !== 1) {
    throw new DataError(`${labelsPath}: labels need 1 IDX dim, got ${lbl.dims.length} (${lbl.dims.join('×')})`, 'did you swap the images and labels files?', { file: labelsPath });
  }
  if (lbl.dtype === 0x0d || lbl.dtype === 0x0e) {
    throw new DataError(`${labelsPath}: labels must be an integer IDX dtype, got a float type`, 'class labels are stored as uint8 in MNIST-format files', { file: labelsPath });
  }
  const n = img.dims[0]!;
  if (lbl.dims[0] !== n) {
    throw new DataError(`${labelsPath}: ${lbl.dims[0]} labels for ${n} images in ${imagesPath}`, 'pair the images file with its own labels file (train with train, t10k with t10k)', { file: labelsPath });
  }
  const features = img.dims.slice(1).reduce((a, b) => a * b, 1);

  const x = new Float32Array(img.count);
  if (img.dtype === 0x08 && opts.scale !== false) {
    const src = imgBuf.subarray(img.dataOffset);
    for (let i = 0; i < x.length; i++) x[i] = src[i]! / 255;
  } else {
    const v = new DataView(imgBuf.buffer, imgBuf.byteOffset, imgBuf.byteLength);
    for (let i = 0; i < x.length; i++) x[i] = idxElement(v, img, i);
  }

  const y = new Float32Array(n);
  const lv = new DataView(lblBuf.buffer, lblBuf.byteOffset, lblBuf.byteLength);
  let max = -1;
  for (let i = 0; i < n; i++) {
    const c = idxElement(lv, lbl, i);
    if (c < 0 || c >= MAX_CLASSES) {
      throw new DataError(`${labelsPath}: label ${i} is ${c}, not a class index 0 … ${MAX_CLASSES - 1}`, 'the labels file is corrupt; download it again', { file: labelsPath });
    }
    y[i] = c;
    if (c > max) max = c;
  }
  const classes = opts.classes ?? max + 1;
  if (max >= classes) {
    throw new DataError(`${labelsPath}: label ${max} but classes is ${classes}`, 'raise classes or fix the labels', { file: labelsPath });
  }
  return { name: opts.name ?? basename(imagesPath).replace(/[.-].*$/, ''), n, features, x, y, classes };
}
