/** `--name N` of a script in test/bench/: a whole number ≥ 1, or `fallback` when the flag is absent. */
export function intArg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`--${name} takes a whole number ≥ 1, got ${process.argv[i + 1]}`);
  return v;
}
