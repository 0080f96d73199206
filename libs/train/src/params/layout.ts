import { LRUCache } from 'lru-cache';
import { Rng } from '@edgefl/core';

/**
 * The flat parameter vector: every trainable tensor, in model order, row-major, back to
 * back. Weights follow PyTorch's conventions (Linear: out×in, Conv: out×in×kh×kw) so an
 * imported model and a zoo model of the same architecture share a layout.
 */
export interface ParamEntry {
  readonly name: string;
  readonly shape: readonly number[];
  readonly offset: number;
  readonly size: number;
}
export type ParamLayout = readonly ParamEntry[];

/** How a zoo parameter is initialised. */
export type InitRule =
  | { readonly kind: 'he'; readonly fanIn: number }
  | { readonly kind: 'glorot'; readonly fanIn: number; readonly fanOut: number }
  | { readonly kind: 'zeros' }
  | { readonly kind: 'values'; readonly values: Float32Array };

export interface ParamDef {
  readonly name: string;
  readonly shape: readonly number[];
  readonly init: InitRule;
}

export function makeLayout(defs: readonly { name: string; shape: readonly number[] }[]): ParamLayout {
  let offset = 0;
  return defs.map((d) => {
    const size = d.shape.reduce((p, x) => p * x, 1);
    const e = { name: d.name, shape: [...d.shape], offset, size };
    offset += size;
    return e;
  });
}

export function layoutDim(layout: ParamLayout): number {
  const last = layout[layout.length - 1];
  return last ? last.offset + last.size : 0;
}

/**
 * Deterministic initialisation from `seed`: He-normal N(0, 2/fan_in) for layers followed
 * by ReLU, Glorot-normal N(0, 2/(fan_in+fan_out)) otherwise, zero biases. Each parameter
 * draws from its own forked stream, so adding a layer does not change the others.
 */
export function initParams(defs: readonly ParamDef[], layout: ParamLayout, seed: number): Float32Array {
  // Every device of an emulated fleet starts the same model from the same seed: drawn once
  // per process (1,000 agents drew it 1,000 times), then copied. Values taken from a file
  // (imported models) are not keyed by content, so those are always built afresh.
  const key = defs.some((d) => d.init.kind === 'values') ? null : JSON.stringify([seed, defs, layout]);
  const known = key === null ? undefined : drawn.get(key);
  if (known !== undefined) return known.slice();
  const out = draw(defs, layout, seed);
  if (key !== null) drawn.set(key, out.slice());
  return out;
}

/** Initial parameters already drawn, by seed, definitions and layout. */
const drawn = new LRUCache<string, Float32Array>({ max: 4 });

function draw(defs: readonly ParamDef[], layout: ParamLayout, seed: number): Float32Array {
  const out = new Float32Array(layoutDim(layout));
  const root = new Rng(seed);
  defs.forEach((d, k) => {
    const e = layout[k]!;
    const view = out.subarray(e.offset, e.offset + e.size);
    const init = d.init;
    if (init.kind === 'zeros') return;
    if (init.kind === 'values') {
      view.set(init.values);
      return;
    }
    const std = init.kind === 'he' ? Math.sqrt(2 / init.fanIn) : Math.sqrt(2 / (init.fanIn + init.fanOut));
    const rng = root.fork(`init:${d.name}`);
    for (let i = 0; i < view.length; i++) view[i] = std * rng.normal();
  });
  return out;
}
