/**
 * Node-only CSV loading for `fit`: numeric columns of a delimited text file into `[rows, cols]`
 * tensors, with header detection, a named (or indexed) column subset, optional context columns for
 * conditional flows, and errors that give the line and column of a bad cell.
 */
import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { assertReady, tf } from '../backend.js';
import { FileFormatError, ValidationError, describe } from '../errors.js';
import { checkOptions } from '../validate.js';

export interface LoadCsvOptions {
  /** Data columns, by header name or 0-based index (default: every column not in `contextColumns`). */
  columns?: (string | number)[];
  /** Context columns for a conditional flow, by name or index (default: none). */
  contextColumns?: (string | number)[];
  /** Whether the first line names the columns; `'auto'` (default): yes when any of its cells is not a number. */
  header?: boolean | 'auto';
  /** Field delimiter (default `','`). */
  delimiter?: string;
}

export interface CsvData {
  /** The data columns, `[rows, columns.length]` (the caller disposes it). */
  x: tf.Tensor2D;
  /** The context columns, `[rows, contextColumns.length]`, or `null` when none were asked for. */
  context: tf.Tensor2D | null;
  /** Names of the data columns (their 0-based indices as strings when the file has no header). */
  columns: string[];
  /** Names of the context columns. */
  contextColumns: string[];
}

const isNumber = (cell: string) => cell.trim() !== '' && Number.isFinite(Number(cell));

/**
 * Load numeric columns of a CSV file. Cells of the selected columns must be finite numbers; other
 * columns may hold anything. Use `x` (and `context`) directly with `fit` and `Flow.logProb`.
 *
 * @example
 * ```ts
 * import { loadCsv } from 'tfjs-flows/node';
 * const { x, context } = await loadCsv('weather.csv', { columns: ['temp', 'wind'], contextColumns: ['month'] });
 * await fit(flow, x, { context, steps: 2000 });
 * ```
 */
export async function loadCsv(path: string, options: LoadCsvOptions = {}): Promise<CsvData> {
  const fn = 'loadCsv';
  assertReady(fn);
  if (typeof path !== 'string' || path === '') throw new ValidationError(fn, 'path', 'a file path', describe(path));
  checkOptions(fn, options, ['columns', 'contextColumns', 'header', 'delimiter']);
  const header = options.header ?? 'auto';
  if (header !== 'auto' && typeof header !== 'boolean') throw new ValidationError(fn, 'options.header', "true, false or 'auto'", describe(header));
  const delimiter = options.delimiter ?? ',';
  if (typeof delimiter !== 'string' || delimiter.length === 0) throw new ValidationError(fn, 'options.delimiter', 'a non-empty string', describe(delimiter));

  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new FileFormatError(path, `cannot read the file (${(e as Error).message})`);
  }
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, { info: true, bom: true, delimiter, skip_empty_lines: true }) as unknown as typeof records;
  } catch (e) {
    const err = e as Error & { lines?: number };
    throw new FileFormatError(path, err.lines !== undefined && !/line \d/.test(err.message) ? `line ${err.lines}: ${err.message}` : err.message);
  }
  if (records.length === 0) throw new FileFormatError(path, 'the file holds no rows');
  const width = records[0].record.length;
  const hasHeader = header === 'auto' ? !records[0].record.every(isNumber) : header;
  const names = hasHeader ? records[0].record.map((s) => s.trim()) : Array.from({ length: width }, (_, i) => String(i));
  const rows = hasHeader ? records.slice(1) : records;
  if (rows.length === 0) throw new FileFormatError(path, 'the file holds a header but no data rows');

  const resolve = (arg: string, list: unknown): number[] => {
    if (!Array.isArray(list) || list.length === 0) throw new ValidationError(fn, arg, 'a non-empty array of column names or indices', describe(list));
    const out = list.map((c) => {
      const i = typeof c === 'number' ? c : names.indexOf(String(c));
      if (!Number.isInteger(i) || i < 0 || i >= width) {
        throw new ValidationError(fn, arg, `column names among ${names.map((n) => JSON.stringify(n)).join(', ')} or indices 0–${width - 1}`, describe(c));
      }
      return i;
    });
    // A repeated column would make the data degenerate (two identical dimensions, no density).
    const twice = out.findIndex((i, k) => out.indexOf(i) !== k);
    if (twice >= 0) throw new ValidationError(fn, arg, 'each column at most once', `${describe(list[twice])} twice`);
    return out;
  };
  const contextIdx = options.contextColumns === undefined ? [] : resolve('options.contextColumns', options.contextColumns);
  const dataIdx = options.columns === undefined ? names.map((_, i) => i).filter((i) => !contextIdx.includes(i)) : resolve('options.columns', options.columns);
  const shared = dataIdx.filter((i) => contextIdx.includes(i));
  if (shared.length > 0) throw new ValidationError(fn, 'options.contextColumns', 'columns distinct from the data columns', `${names[shared[0]]} in both`);
  if (dataIdx.length === 0) throw new ValidationError(fn, 'options.columns', 'at least one data column', 'none left after the context columns');

  const read = (idx: number[]): Float32Array => {
    const out = new Float32Array(rows.length * idx.length);
    rows.forEach(({ record, info }, r) => {
      idx.forEach((c, k) => {
        const cell = record[c];
        if (!isNumber(cell)) {
          const got = cell.trim() === '' ? 'an empty cell' : JSON.stringify(cell.length > 40 ? `${cell.slice(0, 40)}…` : cell);
          throw new FileFormatError(path, `line ${info.lines}, column ${c + 1}${hasHeader ? ` ('${names[c]}')` : ''}: expected a finite number; got ${got}`);
        }
        out[r * idx.length + k] = Number(cell);
      });
    });
    return out;
  };
  const xValues = read(dataIdx);
  const cValues = contextIdx.length > 0 ? read(contextIdx) : null;
  return {
    x: tf.tensor2d(xValues, [rows.length, dataIdx.length]),
    context: cValues ? tf.tensor2d(cValues, [rows.length, contextIdx.length]) : null,
    columns: dataIdx.map((i) => names[i]),
    contextColumns: contextIdx.map((i) => names[i]),
  };
}
