/**
 * Numeric tables read from and written to CSV files. Reading goes through the library's one streaming
 * reader (`data/csv-reader.ts`: delimiter and header detection, line/column errors, standard input as
 * `-`); this file adds what the command line needs on top: columns named on the command line by name
 * or index, the column layout remembered with a model so that `logprob` picks the same columns from
 * another file, and a row limit for data held in memory.
 */
import { stringify } from 'csv-stringify/sync';
import { writeTextAtomic } from '../io/text-file.js';
import { FileFormatError, ValidationError } from '../errors.js';
import { type CsvReader, type CsvSelection, openCsv, STDIN } from '../data/csv-reader.js';
import { concat } from '../data/csv.js';
import { Interrupted } from './interrupt.js';
import { progressLine, rowsText } from './progress-line.js';

/** Rows of data (and context) columns as flat float32 arrays, row-major. */
export interface Table {
  x: Float32Array;
  context: Float32Array | null;
  n: number;
  dim: number;
  contextDim: number;
}

/** Which columns of which file a table came from; stored in a model's metadata. */
export interface ColumnLayout {
  /** Names of the data columns (`x1, x2, …` when the file had no header). */
  columns: string[];
  /** Names of the context columns. */
  contextColumns: string[];
  /** 0-based positions of the data columns in the file. */
  indices: number[];
  /** 0-based positions of the context columns. */
  contextIndices: number[];
  /** Whether the file had a header line. */
  header: boolean;
  /** Columns in the file. */
  width: number;
}

/** How to read a CSV file, from the command line: `--delimiter`, `--header` / `--no-header` (default: detected). */
export interface CsvFlags {
  delimiter?: string;
  header?: boolean;
}

/** A CSV source opened for reading the columns of `selection` (rows not read yet). */
export interface OpenedCsv {
  reader: CsvReader;
  selection: CsvSelection;
}

/** Open `path` (`-`: standard input) with the command line's CSV flags. */
export function open(path: string, csv: CsvFlags = {}): Promise<CsvReader> {
  return openCsv(path, {
    ...(csv.delimiter !== undefined ? { delimiter: csv.delimiter } : {}),
    header: csv.header ?? 'auto',
    delimiterHint: '--delimiter (e.g. --delimiter ";" or --delimiter tab)',
  });
}

/** Resolve names or 0-based indices (as typed on the command line) to positions. */
function positions(fn: string, option: string, list: string[], names: string[] | null, width: number): number[] {
  const out = list.map((c) => {
    const byName = names ? names.indexOf(c) : -1;
    if (byName >= 0) return byName;
    const i = Number(c);
    if (Number.isInteger(i) && i >= 0 && i < width) return i;
    const known = names ? `a column name (${names.map((s) => JSON.stringify(s)).join(', ')}) or an index 0–${width - 1}` : `an index 0–${width - 1} (the file has no header)`;
    throw new ValidationError(fn, option, known, JSON.stringify(c));
  });
  const twice = out.findIndex((i, k) => out.indexOf(i) !== k);
  if (twice >= 0) throw new ValidationError(fn, option, 'each column at most once', `${JSON.stringify(list[twice])} twice`);
  return out;
}

/** Run `pick` on an opened reader; close the reader if it throws. */
function guarded<T>(reader: CsvReader, pick: () => T): T {
  try {
    return pick();
  } catch (e) {
    reader.close();
    throw e;
  }
}

/**
 * Open a CSV file for training: the data columns are `columns` (default: every column that is not a
 * context column), the context columns `contextColumns` (default none), each by name or index.
 */
export async function openTable(fn: string, path: string, columns: string[] | undefined, contextColumns: string[] = [], csv: CsvFlags = {}): Promise<OpenedCsv & { layout: ColumnLayout }> {
  const reader = await open(path, csv);
  const { names, width } = reader;
  return guarded(reader, () => {
    const contextIndices = positions(fn, '--context-columns', contextColumns, names, width);
    const indices = columns ? positions(fn, '--columns', columns, names, width) : [...Array(width).keys()].filter((i) => !contextIndices.includes(i));
    if (indices.length === 0) throw new ValidationError(fn, '--columns', 'at least one data column', 'none left after the context columns');
    const both = indices.find((i) => contextIndices.includes(i));
    if (both !== undefined) throw new ValidationError(fn, '--context-columns', 'columns distinct from the data columns', `column ${names ? JSON.stringify(names[both]) : both} in both`);
    const label = (i: number) => (names ? names[i] : `x${i + 1}`);
    const layout = { columns: indices.map(label), contextColumns: contextIndices.map(label), indices, contextIndices, header: names !== null, width };
    return { reader, selection: { indices, contextIndices }, layout };
  });
}

/**
 * Open another file for the columns a model was trained on: by name when both files have a header,
 * otherwise by position, in which case the file must have as many columns as the training file.
 */
export async function openLikeLayout(path: string, layout: ColumnLayout, csv: CsvFlags = {}): Promise<OpenedCsv> {
  const reader = await open(path, csv);
  const { names, width } = reader;
  const label = reader.label;
  return guarded(reader, () => {
    if (names && layout.header) {
      const wanted = [...layout.columns, ...layout.contextColumns];
      const missing = wanted.filter((c) => !names.includes(c));
      if (missing.length > 0) {
        throw new FileFormatError(label, `the model needs the column(s) ${missing.map((s) => JSON.stringify(s)).join(', ')}, which the header (${names.map((s) => JSON.stringify(s)).join(', ')}) lacks (or pass --columns)`);
      }
      return { reader, selection: { indices: layout.columns.map((c) => names.indexOf(c)), contextIndices: layout.contextColumns.map((c) => names.indexOf(c)) } };
    }
    if (width !== layout.width) {
      throw new FileFormatError(label, `expected ${layout.width} columns (as the file the model was trained on${layout.header ? ', or a header naming its columns' : ''}); got ${width} (or pass --columns)`);
    }
    return { reader, selection: { indices: layout.indices, contextIndices: layout.contextIndices } };
  });
}

/** What `readAll` does with more rows than it may hold. */
export interface RowLimit {
  /** Most rows held in memory. */
  maxRows: number;
  /** What to tell the user to do instead (appended to the error). */
  advice: string;
}

/**
 * Read every row of an opened source into memory, with a progress line on long reads. Past
 * `limit.maxRows` rows it stops with a `FileFormatError` naming the limit and what to do.
 */
export async function readAll({ reader, selection }: OpenedCsv, limit?: RowLimit, showProgress = true, signal?: AbortSignal): Promise<Table> {
  const dim = selection.indices.length;
  const contextDim = selection.contextIndices.length;
  const started = performance.now();
  const line = progressLine(() => rowsText(`reading ${reader.label}`, reader.rows, started, { done: reader.bytes, total: reader.totalBytes }), showProgress);
  const xs: Float32Array[] = [];
  const cs: Float32Array[] = [];
  try {
    for await (const chunk of reader.chunks(selection)) {
      if (limit && reader.rows > limit.maxRows) {
        reader.close();
        throw new FileFormatError(reader.label, `more than ${limit.maxRows.toLocaleString('en-US')} rows, the most held in memory (--max-rows); ${limit.advice}`);
      }
      if (signal?.aborted) {
        reader.close();
        throw new Interrupted(`interrupted (${String(signal.reason)}) while reading ${reader.label}: nothing written`);
      }
      // Chunks are views of their own buffers: keep them, copy once at the end.
      xs.push(chunk.x);
      if (chunk.context) cs.push(chunk.context);
    }
  } finally {
    line.stop();
  }
  const n = reader.rows;
  return { x: concat(xs, n * dim), context: contextDim > 0 ? concat(cs, n * contextDim) : null, n, dim, contextDim };
}

/** {@link openTable} then {@link readAll}. */
export async function readTable(fn: string, path: string, columns?: string[], contextColumns: string[] = [], csv: CsvFlags = {}, limit?: RowLimit): Promise<{ table: Table; layout: ColumnLayout }> {
  const opened = await openTable(fn, path, columns, contextColumns, csv);
  return { table: await readAll(opened, limit), layout: opened.layout };
}

/** {@link openLikeLayout} then {@link readAll}. */
export async function readLikeLayout(path: string, layout: ColumnLayout, csv: CsvFlags = {}, limit?: RowLimit): Promise<Table> {
  return readAll(await openLikeLayout(path, layout, csv), limit);
}

export { STDIN };

/** Float32 values printed with the 9 significant digits that read back to the same float32. */
export function formatValue(v: number): string {
  return Number.isFinite(v) ? String(Number(v.toPrecision(9))) : String(v);
}

/** CSV text of `rows` under `header`. */
export function toCsv(header: string[], rows: number[][] | ((i: number) => number[]), n?: number): string {
  const records: string[][] = [];
  const count = typeof rows === 'function' ? n! : rows.length;
  for (let i = 0; i < count; i++) records.push((typeof rows === 'function' ? rows(i) : rows[i]).map(formatValue));
  return stringify(records, { header: true, columns: header });
}

/** Write `text` to `path` atomically (temporary file, then rename), or to stdout when `path` is undefined. */
export async function writeOutput(path: string | undefined, text: string): Promise<void> {
  if (path === undefined || path === STDIN) {
    process.stdout.write(text);
    return;
  }
  await writeTextAtomic(path, text);
}
