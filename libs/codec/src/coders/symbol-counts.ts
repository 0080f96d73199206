/** Occurrences of each symbol (the type vector t). Throws RangeError on a symbol ≥ alphabet. */
export function symbolCounts(symbols: ArrayLike<number>, alphabet: number): Float64Array {
  // Four interleaved histograms: consecutive equal symbols would otherwise serialise on
  // one counter's load-increment-store.
  const n = symbols.length;
  if (!(symbols instanceof Uint8Array || symbols instanceof Uint16Array || symbols instanceof Uint32Array)) {
    for (let j = 0; j < n; j++) {
      const s = symbols[j]!;
      if (s >>> 0 !== s) throw new RangeError(`symbol ${s} at index ${j} is not a non-negative integer`);
    }
  }
  if (n < 16 * alphabet) return countSimple(symbols, alphabet); // large alphabet: 4 tables cost more than they save
  const h = new Uint32Array(4 * alphabet);
  let bad = 0;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const a = symbols[i]!, b = symbols[i + 1]!, c = symbols[i + 2]!, d = symbols[i + 3]!;
    bad |= (alphabet - 1 - a) | (alphabet - 1 - b) | (alphabet - 1 - c) | (alphabet - 1 - d);
    h[a]!++;
    h[alphabet + b]!++;
    h[2 * alphabet + c]!++;
    h[3 * alphabet + d]!++;
  }
  for (; i < n; i++) {
    bad |= alphabet - 1 - symbols[i]!;
    h[symbols[i]!]!++;
  }
  if (bad < 0) {
    for (let j = 0; j < n; j++) {
      const s = symbols[j]!;
      if (!(s < alphabet)) throw new RangeError(`symbol ${s} at index ${j} is outside the alphabet 0..${alphabet - 1}`);
    }
  }
  const counts = new Float64Array(alphabet);
  for (let s = 0; s < alphabet; s++) counts[s] = h[s]! + h[alphabet + s]! + h[2 * alphabet + s]! + h[3 * alphabet + s]!;
  return counts;
}

function countSimple(symbols: ArrayLike<number>, alphabet: number): Float64Array {
  const counts = new Float64Array(alphabet);
  for (let j = 0; j < symbols.length; j++) {
    const s = symbols[j]!;
    if (!(s < alphabet)) throw new RangeError(`symbol ${s} at index ${j} is outside the alphabet 0..${alphabet - 1}`);
    counts[s]!++;
  }
  return counts;
}
