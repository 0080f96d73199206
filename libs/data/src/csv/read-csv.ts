import { basename } from 'node:path';
import type { Dataset } from '@edgefl/core';
import { DataError, MAX_CLASSES, location } from '../errors.js';
import { readBytes } from '../io/read-bytes.js';
import { nonBlankLines, parseCell, sniffDelimiter, splitCells, type Delimiter, type Line } from './lines.js';

export interface CsvOptions {
  /** `auto` (default): comma when the first line has one, else whitespace. */
  readonly delimiter?: Delimiter | 'auto';
  /**
   * `auto` (default) detects the other three; `none`: every line is data; `names`: the
   * first line holds column names and is skipped; `sklearn`: the first line is
   * `N_ROWS,N_FEATURES[,class names…]` as in scikit-learn's bundled files, and counts are checked.
   */
  readonly header?: 'auto' | 'none' | 'names' | 'sklearn';
  /** Column holding the target; negative counts from the end. Default −1 (last). Ignored with `targetPath`. */
  readonly label?: number;
  /** A separate file with one target per row (scikit-learn's diabetes); then every column is a feature. */
  readonly targetPath?: string;
  /** `classification` (integer labels ≥ 0) unless `targetPath` is given, then `regression`. */
  readonly task?: 'classification' | 'regression';
  /** Dataset name; defaults to the file name without extensions. */
  readonly name?: string;
}

interface Table {
  readonly rows: number;
  readonly cols: number;
  /** rows × cols, row-major */
  readonly cells: Float64Array;
  /** source line of each row, for error messages */
  readonly lineOf: Int32Array;
  readonly header: SklearnHeader | undefined;
}

interface SklearnHeader {
  readonly line: number;
  readonly rows: number;
  readonly features: number;
  readonly classNames: readonly string[];
}

/** Read a numeric CSV (gzip or plain, detected by content) into a `Dataset`. */
export function readCsv(path: string, opts: CsvOptions = {}): Dataset {
  const table = readTable(path, opts);
  const task = opts.task ?? (opts.targetPath ? 'regression' : 'classification');
  const { x, features, y, yLines, yCol, yFile } = opts.targetPath
    ? withTargetFile(path, table, opts.targetPath)
    : splitLabel(path, table, opts.label ?? -1);

  const h = table.header;
  if (h) {
    if (h.rows !== table.rows) {
      throw new DataError(
        `${location(path, h.line)}: header says ${h.rows} rows but the file has ${table.rows}`,
        'the file is truncated or has extra lines; restore it, or use header: "names"/"none" if the first line is not a scikit-learn header',
        { file: path, line: h.line },
      );
    }
    if (h.features !== features) {
      throw new DataError(
        `${location(path, h.line)}: header says ${h.features} features but rows have ${features} (plus the label column)`,
        'check the label column option, or fix the header',
        { file: path, line: h.line },
      );
    }
  }

  let classes = 0;
  if (task === 'classification') {
    let max = -1;
    for (let r = 0; r < y.length; r++) {
      const v = y[r]!;
      if (!Number.isInteger(v) || v < 0 || v >= MAX_CLASSES) {
        throw new DataError(
          `${location(yFile, yLines[r], yCol)}: label ${v} is not a class index (an integer 0 … ${MAX_CLASSES - 1})`,
          'for a regression target pass task: "regression"; otherwise check the label column option',
          { file: yFile, line: yLines[r]!, column: yCol },
        );
      }
      if (v > max) max = v;
    }
    classes = max + 1;
    const named = h?.classNames.length ?? 0;
    if (named > 0) {
      if (max >= named) {
        const r = y.findIndex((v) => v >= named);
        throw new DataError(
          `${location(yFile, yLines[r], yCol)}: label ${y[r]} but the header names only ${named} classes`,
          'fix the label or add the class name to the header',
          { file: yFile, line: yLines[r]!, column: yCol },
        );
      }
      classes = named;
    }
  }

  return {
    name: opts.name ?? basename(path).replace(/\..*$/, ''),
    n: table.rows,
    features,
    x,
    y: Float32Array.from(y),
    classes,
  };
}

function readTable(path: string, opts: CsvOptions): Table {
  const text = new TextDecoder('utf-8').decode(readBytes(path));
  const lines = nonBlankLines(text);
  if (lines.length === 0) {
    throw new DataError(`${path}: the file is empty`, 'point to a file with one row of numbers per line', { file: path });
  }
  const delimiter = opts.delimiter === undefined || opts.delimiter === 'auto' ? sniffDelimiter(lines[0]!.text) : opts.delimiter;
  const { header, skip } = detectHeader(path, lines, delimiter, opts.header ?? 'auto');
  const data = lines.slice(skip);
  if (data.length === 0) {
    throw new DataError(`${path}: no data rows after the header`, 'the file holds only a header; add rows', { file: path });
  }

  const cols = splitCells(data[0]!.text, delimiter).length;
  const cells = new Float64Array(data.length * cols);
  const lineOf = new Int32Array(data.length);
  for (let r = 0; r < data.length; r++) {
    const line = data[r]!;
    const parts = splitCells(line.text, delimiter);
    if (parts.length !== cols) {
      throw new DataError(
        `${location(path, line.number)}: ${parts.length} cells, expected ${cols} like line ${data[0]!.number}`,
        'every row needs the same number of cells; fix or remove the ragged row',
        { file: path, line: line.number },
      );
    }
    for (let c = 0; c < cols; c++) {
      const v = parseCell(parts[c]!);
      if (Number.isNaN(v)) {
        throw new DataError(
          `${location(path, line.number, c + 1)}: ${JSON.stringify(parts[c]!.trim())} is not a number`,
          'every cell must be a finite number; remove text cells, or set header: "names" if this line holds column names',
          { file: path, line: line.number, column: c + 1 },
        );
      }
      cells[r * cols + c] = v;
    }
    lineOf[r] = line.number;
  }
  return { rows: data.length, cols, cells, lineOf, header };
}

/** Decide what the first line is. */
function detectHeader(
  path: string,
  lines: readonly Line[],
  delimiter: Delimiter,
  mode: NonNullable<CsvOptions['header']>,
): { header: SklearnHeader | undefined; skip: number } {
  if (mode === 'none') return { header: undefined, skip: 0 };
  if (mode === 'names') return { header: undefined, skip: 1 };
  const first = lines[0]!;
  const cells = splitCells(first.text, delimiter).map((c) => c.trim());
  const asInt = (s: string | undefined): number => {
    const v = s === undefined ? NaN : parseCell(s);
    return Number.isInteger(v) && v >= 0 ? v : NaN;
  };
  const rows = asInt(cells[0]);
  const features = asInt(cells[1]);
  const classNames = cells.slice(2);
  const sklearnShaped = !Number.isNaN(rows) && !Number.isNaN(features) && classNames.every((s) => Number.isNaN(parseCell(s)));
  if (mode === 'sklearn') {
    if (!sklearnShaped) {
      throw new DataError(
        `${location(path, first.number)}: expected a scikit-learn header "N_ROWS,N_FEATURES[,class names…]", got ${JSON.stringify(first.text)}`,
        'use header: "auto", "names" or "none" for other files',
        { file: path, line: first.number },
      );
    }
    return { header: { line: first.number, rows, features, classNames }, skip: 1 };
  }
  // auto: a line with two or more class names after two counts is a scikit-learn header
  // (a classifier has at least two classes, so `1,2,a` is a data line with a bad cell); a
  // line of two counts is one too when the next line is wider; a line with no number at
  // all is column names; a line mixing numbers and text is data (its bad cell is reported).
  const names = cells.every((s) => Number.isNaN(parseCell(s)));
  if (sklearnShaped && (classNames.length >= 2 || (lines.length > 1 && splitCells(lines[1]!.text, delimiter).length !== cells.length))) {
    return { header: { line: first.number, rows, features, classNames }, skip: 1 };
  }
  return { header: undefined, skip: names ? 1 : 0 };
}

interface Split {
  readonly x: Float32Array;
  readonly features: number;
  readonly y: Float64Array;
  readonly yLines: Int32Array;
  readonly yCol: number;
  readonly yFile: string;
}

function splitLabel(path: string, t: Table, label: number): Split {
  const col = label < 0 ? t.cols + label : label;
  if (!Number.isInteger(col) || col < 0 || col >= t.cols) {
    throw new DataError(
      `${path}: label column ${label} does not exist (rows have ${t.cols} columns)`,
      `choose a column between 0 and ${t.cols - 1}, or −1 for the last`,
      { file: path },
    );
  }
  if (t.cols < 2) {
    throw new DataError(`${path}: rows have a single column, so no features are left beside the label`, 'add feature columns, or give the targets in a separate file (targetPath)', { file: path });
  }
  const f = t.cols - 1;
  const x = new Float32Array(t.rows * f);
  const y = new Float64Array(t.rows);
  for (let r = 0; r < t.rows; r++) {
    const base = r * t.cols;
    let o = r * f;
    for (let c = 0; c < t.cols; c++) {
      if (c === col) y[r] = t.cells[base + c]!;
      else x[o++] = t.cells[base + c]!;
    }
  }
  return { x, features: f, y, yLines: t.lineOf, yCol: col + 1, yFile: path };
}

function withTargetFile(path: string, t: Table, targetPath: string): Split {
  const target = readTable(targetPath, { header: 'none', delimiter: 'whitespace' });
  if (target.cols !== 1) {
    throw new DataError(
      `${location(targetPath, target.lineOf[0])}: a target file holds one number per line, this one has ${target.cols}`,
      'write one target value per line',
      { file: targetPath, line: target.lineOf[0]! },
    );
  }
  if (target.rows !== t.rows) {
    throw new DataError(
      `${targetPath}: ${target.rows} targets for ${t.rows} rows in ${path}`,
      'the feature file and the target file must have the same number of rows, in the same order',
      { file: targetPath },
    );
  }
  return { x: Float32Array.from(t.cells), features: t.cols, y: target.cells, yLines: target.lineOf, yCol: 1, yFile: targetPath };
}
