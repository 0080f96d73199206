/** Rows and class histogram per device. */
export interface PartitionStats {
  readonly rows: number[];
  /** per device, a histogram over classes */
  readonly histogram: Int32Array[];
  /** per device, how many classes it holds at least one row of */
  readonly classesPerDevice: number[];
  /**
   * Mean over devices of the total-variation distance between the device's label
   * distribution and the global one: 0 for perfectly iid, → 1 for disjoint labels.
   */
  readonly labelSkew: number;
}

export function partitionStats(parts: readonly Int32Array[], labels: ArrayLike<number>, classes: number): PartitionStats {
  const global = new Float64Array(classes);
  let total = 0;
  for (const p of parts) for (let i = 0; i < p.length; i++) { global[labels[p[i]!]!]!++; total++; }
  const histogram = parts.map((p) => {
    const h = new Int32Array(classes);
    for (let i = 0; i < p.length; i++) h[labels[p[i]!]!]!++;
    return h;
  });
  let skew = 0;
  for (let d = 0; d < parts.length; d++) {
    const n = parts[d]!.length;
    let tv = 0;
    for (let c = 0; c < classes; c++) tv += Math.abs((n > 0 ? histogram[d]![c]! / n : 0) - global[c]! / Math.max(total, 1));
    skew += tv / 2;
  }
  return {
    rows: parts.map((p) => p.length),
    histogram,
    classesPerDevice: histogram.map((h) => h.reduce((a, v) => a + (v > 0 ? 1 : 0), 0)),
    labelSkew: parts.length > 0 ? skew / parts.length : 0,
  };
}
