/**
 * Numeric tables read from and written to CSV files. Reading goes through `loadCsv` (header
 * detection, line/column errors); this file adds what the command line needs on top: columns named on
 * the command line by name or index, and the column layout remembered with a model so that `logprob`
 * picks the same columns from another file.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { FileFormatError, ValidationError } from '../errors.js';
import { loadCsv } from '../data/csv.js';

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

/** Names and width of a CSV file, from its first record (a header when any cell is not a number). */
async function peek(path: string): Promise<{ names: string[] | null; width: number }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new FileFormatError(path, code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not a CSV file' : `cannot be read (${(e as Error).message})`);
  }
  let first: string[][];
  try {
    first = parse(text, { bom: true, skip_empty_lines: true, to: 1 }) as string[][];
  } catch (e) {
    throw new FileFormatError(path, (e as Error).message);
  }
  if (first.length === 0) throw new FileFormatError(path, 'the file holds no rows');
  const record = first[0];
  const isNumber = (cell: string) => cell.trim() !== '' && Number.isFinite(Number(cell));
  return { names: record.every(isNumber) ? null : record.map((s) => s.trim()), width: record.length };
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

/** Read `path` selecting columns by position. */
async function readPositions(path: string, indices: number[], contextIndices: number[], header: boolean): Promise<Table> {
  const csv = await loadCsv(path, { columns: indices, ...(contextIndices.length > 0 ? { contextColumns: contextIndices } : {}), header });
  try {
    const x = csv.x.dataSync() as Float32Array;
    const context = csv.context ? (csv.context.dataSync() as Float32Array) : null;
    return { x: Float32Array.from(x), context: context ? Float32Array.from(context) : null, n: csv.x.shape[0], dim: indices.length, contextDim: contextIndices.length };
  } finally {
    csv.x.dispose();
    csv.context?.dispose();
  }
}

/**
 * Read a CSV file for training: the data columns are `columns` (default: every column that is not a
 * context column), the context columns `contextColumns` (default none), each by name or index.
 */
export async function readTable(fn: string, path: string, columns?: string[], contextColumns: string[] = []): Promise<{ table: Table; layout: ColumnLayout }> {
  const { names, width } = await peek(path);
  const contextIndices = positions(fn, '--context-columns', contextColumns, names, width);
  const indices = columns ? positions(fn, '--columns', columns, names, width) : [...Array(width).keys()].filter((i) => !contextIndices.includes(i));
  if (indices.length === 0) throw new ValidationError(fn, '--columns', 'at least one data column', 'none left after the context columns');
  const both = indices.find((i) => contextIndices.includes(i));
  if (both !== undefined) throw new ValidationError(fn, '--context-columns', 'columns distinct from the data columns', `column ${names ? JSON.stringify(names[both]) : both} in both`);
  const label = (i: number) => (names ? names[i] : `x${i + 1}`);
  const table = await readPositions(path, indices, contextIndices, names !== null);
  return { table, layout: { columns: indices.map(label), contextColumns: contextIndices.map(label), indices, contextIndices, header: names !== null, width } };
}

/**
 * Read the columns a model was trained on from another file: by name when both files have a header,
 * otherwise by position, in which case the file must have as many columns as the training file.
 */
export async function readLikeLayout(path: string, layout: ColumnLayout): Promise<Table> {
  const { names, width } = await peek(path);
  if (names && layout.header) {
    const wanted = [...layout.columns, ...layout.contextColumns];
    const missing = wanted.filter((c) => !names.includes(c));
    if (missing.length > 0) {
      throw new FileFormatError(path, `the model needs the column(s) ${missing.map((s) => JSON.stringify(s)).join(', ')}, which the header (${names.map((s) => JSON.stringify(s)).join(', ')}) lacks (or pass --columns)`);
    }
    return readPositions(path, layout.columns.map((c) => names.indexOf(c)), layout.contextColumns.map((c) => names.indexOf(c)), true);
  }
  if (width !== layout.width) {
    throw new FileFormatError(path, `expected ${layout.width} columns (as the file the model was trained on${layout.header ? ', or a header naming its columns' : ''}); got ${width} (or pass --columns)`);
  }
  return readPositions(path, layout.indices, layout.contextIndices, names !== null);
}

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

/** Write `text` to `path`, or to stdout when `path` is undefined. */
export async function writeOutput(path: string | undefined, text: string): Promise<void> {
  if (path === undefined) {
    process.stdout.write(text);
    return;
  }
  try {
    await writeFile(path, text, 'utf8');
  } catch (e) {
    throw new FileFormatError(path, `could not be written (${(e as Error).message})`);
  }
}
