/** Delimiters a numeric table may use: a comma, or any run of spaces/tabs. */
export type Delimiter = 'comma' | 'whitespace';

/** One non-blank line of a text file with its 1-based line number. */
export interface Line {
  readonly number: number;
  readonly text: string;
}

/** Non-blank lines of `text` (blank lines, e.g. the trailing newline, carry no data). */
export function nonBlankLines(text: string): Line[] {
  const out: Line[] = [];
  let start = 0;
  let number = 1;
  for (;;) {
    let end = text.indexOf('\n', start);
    const last = end < 0;
    if (last) end = text.length;
    let t = text.slice(start, end);
    if (t.endsWith('\r')) t = t.slice(0, -1);
    if (t.trim() !== '') out.push({ number, text: t });
    if (last) return out;
    start = end + 1;
    number++;
  }
}

/** Comma when the first data line has one, otherwise whitespace. */
export function sniffDelimiter(first: string): Delimiter {
  return first.includes(',') ? 'comma' : 'whitespace';
}

const WS = /[ \t]+/;

/** The cells of one line, untrimmed for commas (callers trim), split on runs for whitespace. */
export function splitCells(text: string, delimiter: Delimiter): string[] {
  return delimiter === 'comma' ? text.split(',') : text.trim().split(WS);
}

/**
 * A cell's number, or NaN when the cell is not one. Empty cells are not zero (Number('')
 * would say 0), and infinities are refused: a data file never means them. Surrounding
 * double quotes are dropped.
 */
export function parseCell(cell: string): number {
  let t = cell.trim();
  // spreadsheet exports quote every cell: "1.5"
  if (t.length >= 2 && t.startsWith('"') && t.endsWith('"')) t = t.slice(1, -1).trim();
  if (t === '') return NaN;
  const v = Number(t);
  return Number.isFinite(v) ? v : NaN;
}
