import { BitReader } from '../bits/bit-reader.js';
import { BitWriter } from '../bits/bit-writer.js';
import { CodecError } from '../errors.js';
import { eliasOmegaLength, readEliasOmega, writeEliasOmega, type CodedBits } from './elias.js';
import { golombParams, readGolombCodes, writeGolombCodes } from './golomb.js';
import { symbolCounts } from './symbol-counts.js';

/**
 * MALCOM-PSGD source coder (paper 002, Algorithm 3 / Woldemariam et al. 2023;
 * paper 002, MALCOM-PSGD): type vector + Golomb-coded run lengths of each level's support.
 *
 * Symbols are integers in 0..alphabet−1. For MALCOM's dithered quantizer with L levels
 * (s ∈ {0..L}) and exact zeros kept, use alphabet = L + 2 with symbol 0 = "exact zero"
 * and symbol s + 1 = level s; the coder itself treats every symbol alike.
 *
 * Wire format (MSB-first):
 *  1. type vector: t_s + 1 in Elias-ω for s = 0 … alphabet − 2; the last count is
 *     N − Σ (N, the symbol count, is known to the receiver).
 *  2. levels sorted by descending count (ties: smaller symbol first). The most frequent
 *     level is implicit: it fills whatever positions are left at the end. Each other
 *     level ℓ (k-th in that order, k ≥ 1, count t_ℓ > 0) codes the run lengths of
 *     non-ℓ positions before each of its occurrences, scanning only the positions not
 *     assigned to an earlier level (I_ℓ = I_0 \ ∪_{ℓ′<ℓ} I_ℓ′), with Golomb parameter
 *     M_ℓ = max(1, round(ln2 · (n_k − t_ℓ)/t_ℓ)), n_k = N − Σ_{j=1}^{k−1} t_order[j] the
 *     positions still unassigned. n_k − t_ℓ = N − Σ_{j=1}^{k} t_order[j] is the paper's
 *     (N − Σ_{m≤ℓ} t_m) with sums over coded levels, i.e. the non-ℓ positions left, so
 *     M_ℓ ≈ ln2 × mean run: the near-optimal Golomb parameter for geometric runs.
 *     The run after the last occurrence is implicit.
 * Descending order keeps the most frequent level in every scan, so each coded level has
 * density ≤ 1/2 among the remaining positions, where Golomb codes are efficient.
 */

export const MALCOM_MAX_ALPHABET = 65536;

function checkAlphabet(alphabet: number): void {
  if (!(alphabet >= 1 && alphabet <= MALCOM_MAX_ALPHABET) || (alphabet | 0) !== alphabet) {
    throw new RangeError(`MALCOM coder alphabet must be an integer in 1..${MALCOM_MAX_ALPHABET}, got ${alphabet}`);
  }
}

/** Symbols by descending count, ties broken by the smaller symbol (both sides compute it). */
export function malcomLevelOrder(counts: ArrayLike<number>): Uint32Array {
  const order = new Uint32Array(counts.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  order.sort((a, b) => counts[b]! - counts[a]! || a - b);
  return order;
}

/** The Golomb parameter of the k-th coded level: max(1, round(ln2·zeros/t)). */
export function malcomGolombParameter(zeros: number, t: number): number {
  return Math.max(1, Math.round((Math.LN2 * zeros) / t));
}

function sortedPmf(counts: ArrayLike<number>): { d: number; f: number[] } {
  let d = 0;
  for (let i = 0; i < counts.length; i++) d += counts[i]!;
  const f = d === 0 ? [] : Array.from(counts, (c) => c / d).sort((x, y) => y - x);
  return { d, f };
}

/**
 * Eq. 13 of paper 002 (eq. 11 of Woldemariam et al.) exactly as printed:
 * d·(H(f) + 2.914(1 − f₀) + f₀log₂f₀ + Σ_{ℓ≥1} f_ℓ log₂(1 − Σ_{m<ℓ} f_m)), f the
 * empirical PMF in non-increasing order; the type vector is not included.
 * Caveat: the prefix sum includes f₀, as if level ℓ were coded only among positions that
 * are not level 0, which the receiver cannot know; so the formula drops the binary
 * entropy h(f₀) of "level 0 or not" and can fall below n·H(f), which no lossless code
 * reaches. `malcomScanBitBound` is the same bound with the scan sizes this coder uses.
 */
export function malcomBitBound(counts: ArrayLike<number>): number {
  const { d, f } = sortedPmf(counts);
  if (d === 0) return 0;
  let h = 0;
  for (const p of f) if (p > 0) h -= p * Math.log2(p);
  const f0 = f[0]!;
  let tail = 0;
  let prefix = f0;
  for (let l = 1; l < f.length; l++) {
    const p = f[l]!;
    if (p > 0) tail += p * Math.log2(Math.max(1 - prefix, p));
    prefix += p;
  }
  return d * (h + 2.914 * (1 - f0) + (f0 > 0 ? f0 * Math.log2(f0) : 0) + tail);
}

/**
 * Eq. 13 with the prefix sums over coded levels only (m = 1 … ℓ−1): level ℓ's t_ℓ
 * occurrences are Golomb-coded among the d(1 − Σ_{1≤m<ℓ} f_m) positions the scan really
 * visits, each costing at most log₂(scan/t_ℓ) + 2.914 bits:
 * d·Σ_{ℓ≥1} f_ℓ (log₂((1 − Σ_{1≤m<ℓ} f_m)/f_ℓ) + 2.914). Type vector not included.
 */
export function malcomScanBitBound(counts: ArrayLike<number>): number {
  const { d, f } = sortedPmf(counts);
  let bits = 0;
  let scanned = 1;
  for (let l = 1; l < f.length; l++) {
    const p = f[l]!;
    if (p === 0) break;
    bits += p * (Math.log2(scanned / p) + 2.914);
    scanned -= p;
  }
  return d * bits;
}

/** Bits of the type vector header: Σ_{s<alphabet−1} |ω(t_s + 1)|. */
export function malcomTypeVectorBits(counts: ArrayLike<number>): number {
  let bits = 0;
  for (let s = 0; s < counts.length - 1; s++) bits += eliasOmegaLength(counts[s]! + 1);
  return bits;
}

/**
 * One level's scan: stores in `runs` the number of other symbols before each occurrence
 * of `lvl` and compacts the rest of `rest` in place; returns how many remain. Branch-free,
 * since whether a symbol matches is unpredictable.
 */
function splitLevel(rest: Uint8Array | Uint16Array, n: number, lvl: number, runs: Uint32Array): number {
  let run = 0;
  let m = 0;
  let h = 0;
  for (let i = 0; i < n; i++) {
    const s = rest[i]!;
    const hit = ((s ^ lvl) - 1) >>> 31; // 1 iff s === lvl
    rest[m] = s;
    m += 1 - hit;
    runs[h] = run;
    h += hit;
    run = (run + 1) & (hit - 1); // reset to 0 on a hit
  }
  return m;
}

/**
 * Codes levels order[k0…] (all rare: few occurrences among many positions) in one scan
 * instead of one scan each. At level q's occurrence at index i of `rest`, its run is
 * W_q(i) − W_q(previous occurrence), where W_q(i) = i − #(earlier occurrences of rare
 * levels k0…q) counts the positions level q's own scan would have visited. The runs are
 * then Golomb-coded level by level, so the stream is identical to one scan per level.
 */
function splitRareLevels(
  w: BitWriter,
  rest: Uint8Array | Uint16Array,
  n: number,
  order: Uint32Array,
  counts: Float64Array,
  k0: number,
  runs: Uint32Array,
): void {
  const alphabet = order.length;
  const rank = new Int32Array(alphabet).fill(-1);
  const offset = new Uint32Array(alphabet - k0 + 1);
  let levels = 0;
  for (let k = k0; k < alphabet && counts[order[k]!]! > 0; k++, levels++) {
    rank[order[k]!] = levels;
    offset[levels + 1] = offset[levels]! + counts[order[k]!]!;
  }
  const seen = new Float64Array(levels);
  const lastW = new Float64Array(levels);
  // Occurrences so far per rank as a Fenwick tree: the prefix count over ranks 0…q costs
  // O(log levels), not O(q) — with a wide alphabet (16-bit levels) thousands of levels are
  // rare and a linear prefix made this loop quadratic.
  const tree = new Int32Array(levels + 1);
  for (let i = 0; i < n; i++) {
    const q = rank[rest[i]!]!;
    if (q < 0) continue; // predictable: rare levels are rare
    let before = 0;
    for (let x = q + 1; x > 0; x -= x & -x) before += tree[x]!;
    for (let x = q + 1; x <= levels; x += x & -x) tree[x]!++;
    const wq = i - before;
    runs[offset[q]! + seen[q]!] = wq - lastW[q]!;
    lastW[q] = wq;
    seen[q]!++;
  }
  let left = n;
  for (let q = 0; q < levels; q++) {
    const t = counts[order[k0 + q]!]!;
    const p = golombParams(malcomGolombParameter(left - t, t));
    writeGolombCodes(w, runs, offset[q]!, offset[q + 1]!, p);
    left -= t;
  }
}

export function encodeMalcomSymbols(symbols: Uint8Array | Uint16Array, alphabet: number): CodedBits {
  checkAlphabet(alphabet);
  const n0 = symbols.length;
  const counts = symbolCounts(symbols, alphabet);
  const w = new BitWriter(64 + (n0 >>> 2));
  for (let s = 0; s < alphabet - 1; s++) writeEliasOmega(w, counts[s]! + 1);
  const order = malcomLevelOrder(counts);
  // The still-unassigned symbols, compacted after each level, and one level's runs.
  // The scan is branch-free (a data-dependent branch mispredicts on every few symbols);
  // the runs are Golomb-coded afterwards in a predictable loop.
  const rest = alphabet <= 256 ? new Uint8Array(symbols) : new Uint16Array(symbols);
  const runs = new Uint32Array(n0 + 1);
  let n = n0;
  let k = 1;
  for (; k < alphabet; k++) {
    const lvl = order[k]!;
    const t = counts[lvl]!;
    if (t === 0) return { bytes: w.finish(), bits: w.bitLength }; // sorted: the rest are empty
    if (t * 16 < n) break; // this and every later level is rare: one joint scan below
    const p = golombParams(malcomGolombParameter(n - t, t));
    const m = splitLevel(rest, n, lvl, runs);
    writeGolombCodes(w, runs, 0, t, p);
    n = m;
  }
  if (k < alphabet) splitRareLevels(w, rest, n, order, counts, k, runs);
  return { bytes: w.finish(), bits: w.bitLength };
}

/**
 * One level of the decoder's rebuild, the inverse of `splitLevel`: writes into `other` the
 * level's scan — runs[h] symbols of `seq` (the later levels' scan, `len` symbols), then
 * `lvl`, for h = from … to − 1, then the rest of `seq` — and returns its length. Runs of
 * dense levels are short and of random length, so a copy loop of run iterations would
 * mispredict its exit on almost every run; instead 8 symbols are copied unconditionally
 * (the surplus is overwritten by what follows; byte symbols as two 32-bit words) and only
 * longer runs loop, 8 at a time. Runs of 64 or more are block copies.
 */
function mergeLevel(
  seq: Uint8Array | Uint16Array, other: Uint8Array | Uint16Array, runs: Uint32Array,
  from: number, to: number, lvl: number, len: number, src: DataView | undefined, dst: DataView,
): number {
  const last = other.length - 8; // seq and other have the same length
  // Byte symbols (src, dst: views of seq, other) move 8 at a time as two 32-bit words
  // (4 bounds checks instead of 16); with src undefined, element by element.
  let i = 0;
  let j = 0;
  for (let h = from; h < to; h++) {
    const run = runs[h]!;
    if (run <= 8 && j <= last) { // i ≤ j
      if (src !== undefined) {
        dst.setUint32(j, src.getUint32(i));
        dst.setUint32(j + 4, src.getUint32(i + 4));
      } else {
        other[j] = seq[i]!;
        other[j + 1] = seq[i + 1]!;
        other[j + 2] = seq[i + 2]!;
        other[j + 3] = seq[i + 3]!;
        other[j + 4] = seq[i + 4]!;
        other[j + 5] = seq[i + 5]!;
        other[j + 6] = seq[i + 6]!;
        other[j + 7] = seq[i + 7]!;
      }
    } else if (run < 64) {
      if (src !== undefined && j + run <= last) {
        for (let x = 0; x < run; x += 8) {
          dst.setUint32(j + x, src.getUint32(i + x));
          dst.setUint32(j + x + 4, src.getUint32(i + x + 4));
        }
      } else {
        for (let x = 0; x < run; x++) other[j + x] = seq[i + x]!;
      }
    } else {
      other.set(seq.subarray(i, i + run), j);
    }
    i += run;
    j += run;
    other[j++] = lvl;
  }
  other.set(seq.subarray(i, len), j);
  return j + len - i;
}

/**
 * Rough cost of one Fenwick step relative to copying one symbol in a merge (a step is a
 * dependent, cache-missing load; a merge copy is a memcpy). Measured: with it, the bench's
 * geometric 65536-symbol input keeps its merges and the hostile one-hit-per-level input
 * is placed.
 */
const PLACE_STEP_COST = 16;

/**
 * Where to stop merging: a merge copies level k's whole scan however few symbols it
 * inserts, so many rare levels over a long scan (16-bit levels: ~65,000 with one hit each)
 * cost O(levels·n) — seconds per message at d = 10⁶, which a peer could send on purpose.
 * From the first rare level on (t·16 < its scan, as the encoder splits), placing the rest
 * directly costs O(scan + Σt·log scan); this picks it when that is cheaper than the merges.
 */
function rareSuffix(counts: Float64Array, order: Uint32Array, count: number, coded: number): { from: number; scan: number } {
  let scan = count;
  let k = 1;
  for (; k < coded; k++) {
    const t = counts[order[k]!]!;
    if (t * 16 < scan) break;
    scan -= t;
  }
  let mergeCost = 0;
  let hits = 0;
  for (let j = k, left = scan; j < coded; j++) {
    mergeCost += left;
    hits += counts[order[j]!]!;
    left -= counts[order[j]!]!;
  }
  const placeCost = scan + hits * Math.log2(scan + 1) * PLACE_STEP_COST;
  return placeCost < mergeCost ? { from: k, scan } : { from: coded, scan: 0 };
}

/**
 * Writes levels order[from … to) into seq[0 … scan) (pre-filled with the implicit level),
 * the same layout their merges would build, in O(scan + Σt·log scan): each level's hit
 * goes to the (Σ runs so far)-th slot still free — free slots are the level's scan once its
 * earlier hits are taken — found by descending a Fenwick tree of free slots. Runs were
 * bounded by the positions left when read, so every rank exists.
 */
function placeRareLevels(
  seq: Uint8Array | Uint16Array, scan: number, runs: Uint32Array, levelStart: Uint32Array,
  order: Uint32Array, from: number, to: number,
): void {
  const free = new Int32Array(scan + 1);
  for (let i = 1; i <= scan; i++) free[i] = i & -i; // every slot free: node i covers i & −i slots
  let top = 1;
  while (top * 2 <= scan) top *= 2;
  for (let k = from; k < to; k++) {
    const lvl = order[k]!;
    let rank = 0;
    for (let h = levelStart[k]!; h < levelStart[k + 1]!; h++) {
      rank += runs[h]!;
      // smallest slot with rank + 1 free slots up to it (1-based pos + 1)
      let pos = 0;
      let rem = rank + 1;
      for (let step = top; step > 0; step >>= 1) {
        const next = pos + step;
        if (next <= scan && free[next]! < rem) {
          pos = next;
          rem -= free[next]!;
        }
      }
      seq[pos] = lvl;
      for (let x = pos + 1; x <= scan; x += x & -x) free[x]!--;
    }
  }
}

/**
 * Decodes `count` symbols. The type vector is read and checked (counts sum to `count`)
 * before the output is allocated; run lengths are bounded by the positions left, so a
 * corrupted body raises `CodecError` instead of writing out of range or looping.
 */
export function decodeMalcomSymbols(
  bytes: Uint8Array,
  count: number,
  alphabet: number,
  bitLength = bytes.length * 8,
): Uint8Array | Uint16Array {
  checkAlphabet(alphabet);
  if (!(count >= 0 && count <= 0xfffffffe) || Math.floor(count) !== count) {
    throw new CodecError(`symbol count ${count} is not an integer in 0..2^32-2`, 'the message header is corrupted');
  }
  const r = new BitReader(bytes, bitLength);
  const counts = new Float64Array(alphabet);
  let sum = 0;
  for (let s = 0; s < alphabet - 1; s++) {
    const t = readEliasOmega(r) - 1;
    sum += t;
    if (sum > count) {
      throw new CodecError(`MALCOM type vector sums past the ${count} symbols expected`, 'the message is corrupted or its dimension does not match the receiver\'s model');
    }
    counts[s] = t;
  }
  counts[alphabet - 1] = count - sum;
  const order = malcomLevelOrder(counts);
  const make = (): Uint8Array | Uint16Array => (alphabet <= 256 ? new Uint8Array(count) : new Uint16Array(count));
  let seq = make();
  seq.fill(order[0]!);
  if (alphabet === 1 || counts[order[1]!] === 0) return seq;
  // Read every coded level's runs first (stream order), each bounded by the non-ℓ
  // positions its scan has; Σ t_k ≤ count, so one array holds them all.
  const runs = new Uint32Array(count);
  const levelStart = new Uint32Array(alphabet + 1);
  let coded = 1;
  let n = count;
  let at = 0;
  for (; coded < alphabet; coded++) {
    const t = counts[order[coded]!]!;
    if (t === 0) break;
    const budget = n - t;
    const p = golombParams(malcomGolombParameter(budget, t));
    levelStart[coded] = at;
    readGolombCodes(r, p, runs, at, at + t, budget);
    at += t;
    n -= t;
  }
  levelStart[coded] = at;
  // Rebuild from the last coded level back to the first: the symbols of level k's scan are
  // level k at its hits and, in between, the next scan's symbols in order. Sequential
  // copies of symbols, no position list.
  let len = n; // positions left after every coded level: the implicit level's count
  let merged = coded; // levels merged into seq so far: coded … merged
  const rare = rareSuffix(counts, order, count, coded);
  if (rare.from < coded) {
    placeRareLevels(seq, rare.scan, runs, levelStart, order, rare.from, coded);
    len = rare.scan;
    merged = rare.from;
  }
  let other = make();
  const viewOf = (a: Uint8Array | Uint16Array): DataView => new DataView(a.buffer, a.byteOffset, a.byteLength);
  let seqView = viewOf(seq);
  let otherView = viewOf(other);
  const bytes8 = alphabet <= 256;
  for (let k = merged - 1; k >= 1; k--) {
    len = mergeLevel(seq, other, runs, levelStart[k]!, levelStart[k + 1]!, order[k]!, len, bytes8 ? seqView : undefined, otherView);
    [seq, other] = [other, seq];
    [seqView, otherView] = [otherView, seqView];
  }
  return seq;
}
