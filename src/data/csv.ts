/**
 * Node-only CSV loading for `fit`: numeric columns of a delimited text file into `[rows, cols]`
 * tensors, with header detection, a named (or indexed) column subset, optional context columns for
 * conditional flows, and errors that give the line and column of a bad cell.
 */
import { assertReady, tf } from '../backend.js';
import { ValidationError, describe } from '../errors.js';
import { checkOptions } from '../validate.js';
import { openCsv } from './csv-reader.js';

export interface LoadCsvOptions {
  /** Data columns, by header name or 0-based index (default: every column not in `contextColumns`). */
  columns?: (string | number)[];
  /** Context columns for a conditional flow, by name or index (default: none). */
  contextColumns?: (string | number)[];
  /** Whether the first line names the columns; `'auto'` (default): yes when any of its cells is not a number. */
  header?: boolean | 'auto';
  /** Field delimiter (default: detected, `,`, `;` or tab, when every line agrees; else an error asking for it). */
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

/**
 * Load numeric columns of a CSV file (`'-'`: standard input), read once as a stream (the reader of
 * the command line, see `csv-reader.ts`). Cells of the selected columns must be finite numbers; other
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
  const delimiter = options.delimiter;
  if (delimiter !== undefined && (typeof delimiter !== 'string' || delimiter.length === 0)) throw new ValidationError(fn, 'options.delimiter', 'a non-empty string', describe(delimiter));

  const reader = await openCsv(path, { header, ...(delimiter !== undefined ? { delimiter } : {}), delimiterHint: 'options.delimiter' });
  const width = reader.width;
  const names = reader.names ?? Array.from({ length: width }, (_, i) => String(i));
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
  let contextIdx: number[];
  let dataIdx: number[];
  try {
    contextIdx = options.contextColumns === undefined ? [] : resolve('options.contextColumns', options.contextColumns);
    dataIdx = options.columns === undefined ? names.map((_, i) => i).filter((i) => !contextIdx.includes(i)) : resolve('options.columns', options.columns);
    const shared = dataIdx.filter((i) => contextIdx.includes(i));
    if (shared.length > 0) throw new ValidationError(fn, 'options.contextColumns', 'columns distinct from the data columns', `${names[shared[0]]} in both`);
    if (dataIdx.length === 0) throw new ValidationError(fn, 'options.columns', 'at least one data column', 'none left after the context columns');
  } catch (e) {
    reader.close();
    throw e;
  }

  const xs: Float32Array[] = [];
  const cs: Float32Array[] = [];
  for await (const chunk of reader.chunks({ indices: dataIdx, contextIndices: contextIdx })) {
    xs.push(chunk.x);
    if (chunk.context) cs.push(chunk.context);
  }
  const n = reader.rows;
  return {
    x: tf.tensor2d(concat(xs, n * dataIdx.length), [n, dataIdx.length]),
    context: contextIdx.length > 0 ? tf.tensor2d(concat(cs, n * contextIdx.length), [n, contextIdx.length]) : null,
    columns: dataIdx.map((i) => names[i]),
    contextColumns: contextIdx.map((i) => names[i]),
  };
}

/** The arrays one after the other. */
export function concat(parts: Float32Array[], length: number): Float32Array {
  if (parts.length === 1 && parts[0].length === length) return parts[0];
  const out = new Float32Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
