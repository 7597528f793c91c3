/**
 * data/csv — a pure CSV parser for labelled numeric data (browser-safe, no node:*): one label
 * column of integer classes plus numeric feature columns, an optional header row. Every problem
 * in the file is collected into one DataError rather than stopping at the first.
 */
import { collectProblems, DataError } from '../util/errors.js';

/** Options of `parseCsv`. */
export interface CsvOptions {
  /**
   * The label column: a 0-based index (negative counts from the end, −1 = last) or a header name.
   * Default 0 (the first column).
   */
  labelColumn?: number | string;
  /**
   * Whether the first row is a header: `true`, `false`, or `'auto'` (default: a header when any of
   * its cells is text that is not a number; NaN, Infinity and empty cells do not count as text).
   */
  header?: boolean | 'auto';
  /** Field separator; default `,`. */
  delimiter?: string;
  /** The file's name for error messages; default `CSV`. */
  what?: string;
  /** How many problems to list before summarising the rest; default 20. */
  maxProblems?: number;
}

/** The contents of a labelled numeric CSV file. */
export interface CsvData {
  /** Feature values, row-major [rows, featureCount]. */
  features: Float32Array;
  /** The integer label of each row (≥ 0). */
  labels: Int32Array;
  /** Number of data rows. */
  rows: number;
  /** Number of feature columns (all columns but the label). */
  featureCount: number;
  /** Names of the feature columns (from the header, or `column N`). */
  featureNames: string[];
  /** Name of the label column. */
  labelName: string;
  /** Whether a header row was present. */
  hasHeader: boolean;
  /** The largest label + 1. */
  classes: number;
}

/** Split one line into fields, honouring double quotes ("" inside quotes is a literal quote). */
function splitLine(line: string, delimiter: string): string[] {
  if (!line.includes('"')) return line.split(delimiter);
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"') {
        if (line[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += ch;
    } else if (ch === '"') quoted = true;
    else if (line.startsWith(delimiter, i)) {
      out.push(field);
      field = '';
      i += delimiter.length - 1;
    } else field += ch;
  }
  out.push(field);
  return out;
}

// Linear-time: `\d+(\.\d*)?` has one way to split a digit run (`\d+\.?\d*` had n, so a long
// cell that failed at its end backtracked quadratically — found while building test/fuzz-data.test.ts).
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const NON_FINITE = /^[+-]?(nan|inf|infinity)$/i;

type Cell = { ok: true; value: number } | { ok: false; why: 'empty' | 'non-finite' | 'not a number' };

function parseNumber(text: string): Cell {
  const t = text.trim();
  if (t === '') return { ok: false, why: 'empty' };
  if (NON_FINITE.test(t)) return { ok: false, why: 'non-finite' };
  if (!DECIMAL.test(t)) return { ok: false, why: 'not a number' };
  const v = Number(t);
  return Number.isFinite(v) ? { ok: true, value: v } : { ok: false, why: 'non-finite' };
}

function show(text: string): string {
  const t = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  return JSON.stringify(t);
}

/**
 * Parse labelled numeric CSV text. Blank lines are skipped; `\r\n` line ends are accepted.
 * @throws DataError listing every problem (up to `maxProblems`): an empty file, a ragged row (row
 *   number, expected vs got columns), a cell that is not a number (row, column, the text), NaN or
 *   Infinity in the features, a label that is not a non-negative integer, an unknown label column.
 */
export function parseCsv(text: string, options: CsvOptions = {}): CsvData {
  const what = options.what ?? 'CSV';
  const delimiter = options.delimiter ?? ',';
  const maxProblems = options.maxProblems ?? 20;
  if (delimiter.length === 0) throw new DataError(`${what}: the delimiter must not be empty`);
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text; // a byte-order mark
  const lines: { row: number; fields: string[] }[] = [];
  const rawLines = source.split(/\r?\n|\r/);
  for (let i = 0; i < rawLines.length; i++) {
    if (rawLines[i].trim() === '') continue;
    lines.push({ row: i + 1, fields: splitLine(rawLines[i], delimiter) });
  }
  if (lines.length === 0) throw new DataError(`${what}: the file is empty (no rows)`);

  const first = lines[0].fields;
  const isText = (f: string): boolean => {
    const c = parseNumber(f);
    return !c.ok && c.why === 'not a number';
  };
  const hasHeader = options.header === 'auto' || options.header === undefined ? first.some(isText) : options.header;
  const columns = first.length;
  if (columns < 2) {
    throw new DataError(`${what}: row ${lines[0].row} has ${columns} column; expected a label column and at least one feature column (delimiter ${JSON.stringify(delimiter)})`);
  }
  const names = hasHeader ? first.map((f) => f.trim()) : first.map((_, i) => `column ${i + 1}`);

  const lc = options.labelColumn ?? 0;
  let labelCol: number;
  if (typeof lc === 'string') {
    labelCol = hasHeader ? names.indexOf(lc) : -1;
    if (labelCol < 0) {
      throw new DataError(
        hasHeader
          ? `${what}: no column named ${show(lc)} for the labels; the header has ${names.map(show).join(', ')}`
          : `${what}: labelColumn ${show(lc)} is a name but the file has no header row; give a column index instead`,
      );
    }
  } else {
    if (!Number.isInteger(lc) || lc >= columns || lc < -columns) {
      throw new DataError(`${what}: labelColumn ${lc} is outside the ${columns} columns (use 0…${columns - 1}, or −1 for the last)`);
    }
    labelCol = lc < 0 ? columns + lc : lc;
  }

  const body = hasHeader ? lines.slice(1) : lines;
  if (body.length === 0) throw new DataError(`${what}: the file has a header row but no data rows`);
  const featureCount = columns - 1;
  const features = new Float32Array(body.length * featureCount);
  const labels = new Int32Array(body.length);
  const problems: string[] = [];
  let problemCount = 0;
  const report = (p: string): void => {
    problemCount++;
    if (problems.length < maxProblems) problems.push(p);
  };
  let maxLabel = 0;
  body.forEach(({ row, fields }, r) => {
    if (fields.length !== columns) {
      report(`row ${row}: expected ${columns} columns, got ${fields.length}`);
      return;
    }
    let k = r * featureCount;
    for (let c = 0; c < columns; c++) {
      const cell = parseNumber(fields[c]);
      const where = `row ${row}, column ${c + 1}${hasHeader ? ` (${show(names[c])})` : ''}`;
      if (c === labelCol) {
        if (!cell.ok || !Number.isInteger(cell.value) || cell.value < 0) {
          report(`${where}: the label ${show(fields[c].trim())} is not a non-negative integer class`);
        } else {
          labels[r] = cell.value;
          if (cell.value > maxLabel) maxLabel = cell.value;
        }
        continue;
      }
      if (cell.ok) features[k++] = cell.value;
      else {
        k++;
        if (cell.why === 'empty') report(`${where}: empty cell, expected a number`);
        else if (cell.why === 'non-finite') report(`${where}: ${show(fields[c].trim())} is not a finite number (NaN and Infinity are not allowed in features)`);
        else report(`${where}: ${show(fields[c].trim())} is not a number`);
      }
    }
  });
  if (problemCount > 0) {
    if (problemCount === problems.length) throw collectProblems(DataError, what, problems);
    problems.push(`… and ${problemCount - problems.length} more`);
    throw new DataError(`${what}: ${problemCount} problems\n${problems.map((p) => `  - ${p}`).join('\n')}`, problems);
  }
  return {
    features,
    labels,
    rows: body.length,
    featureCount,
    featureNames: names.filter((_, i) => i !== labelCol),
    labelName: names[labelCol],
    hasHeader,
    classes: maxLabel + 1,
  };
}
