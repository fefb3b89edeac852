/**
 * The one CSV reader of the library and the command line (Node only): a file or standard input
 * (`'-'`) read once, as a stream, into chunks of float32 rows, in memory bounded by the chunk size.
 * The delimiter is detected (`,`, `;` or tab, when unambiguous), the header too (a first line with any
 * cell that is not a number), and a bad cell or a short row is reported with its line and column, in
 * our words, not the parser's.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable, pipeline } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import { FileFormatError } from '../errors.js';

/** The path that means standard input. */
export const STDIN = '-';

export interface CsvReadOptions {
  /** Field delimiter (default: detected, see {@link sniffDelimiter}). */
  delimiter?: string;
  /** Whether the first line names the columns; `'auto'` (default): yes when any of its cells is not a number. */
  header?: boolean | 'auto';
  /** How to tell the user to give the delimiter when it cannot be detected (default `the delimiter option`). */
  delimiterHint?: string;
}

/** Rows of the selected columns, row-major. */
export interface CsvChunk {
  x: Float32Array;
  context: Float32Array | null;
  n: number;
}

/** Which columns a chunk holds: 0-based positions in the file. */
export interface CsvSelection {
  indices: number[];
  contextIndices: number[];
}

/** Delimiters tried by {@link sniffDelimiter}. */
const CANDIDATES = [',', ';', '\t'];
/** Lines looked at to detect the delimiter. */
const SNIFF_LINES = 20;
/** Bytes read before detecting the delimiter, at most (a very long first line is read whole anyway). */
const SNIFF_BYTES = 64 * 1024;

const show = (d: string) => (d === '\t' ? 'tab' : `'${d}'`);

/** Occurrences of `d` in `line` outside double quotes. */
function countOutsideQuotes(line: string, d: string): number {
  let n = 0;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch === '"') quoted = !quoted;
    else if (ch === d && !quoted) n++;
  }
  return n;
}

/** The candidates that occur the same number of times (at least once) on every non-empty line of `head`. */
function consistentDelimiters(head: string): string[] {
  const lines = head.split('\n').map((l) => l.replace(/\r$/, '')).filter((l) => l.trim() !== '').slice(0, SNIFF_LINES);
  if (lines.length === 0) return [];
  return CANDIDATES.filter((d) => {
    const k = countOutsideQuotes(lines[0], d);
    return k > 0 && lines.every((l) => countOutsideQuotes(l, d) === k);
  });
}

/**
 * The delimiter of the text `head` (whole lines): of `,`, `;` and tab, the one that occurs the same
 * number of times (at least once) on every non-empty line. None: `,` (one column). Several: ambiguous,
 * `null`.
 */
export function sniffDelimiter(head: string): string | null {
  const consistent = consistentDelimiters(head);
  if (consistent.length === 0) return ',';
  return consistent.length === 1 ? consistent[0] : null;
}

/** The parser's error in our words, with its line. */
function parserMessage(e: Error & { code?: string; lines?: number }): string {
  const at = e.lines !== undefined ? `line ${e.lines}: ` : '';
  switch (e.code?.replace(/^CSV_/, '')) {
    case 'QUOTE_NOT_CLOSED':
      return `${at}a quoted field is not closed before the end of the input`;
    case 'INVALID_OPENING_QUOTE':
      return `${at}a quote inside an unquoted field (quote the whole field, or remove the quote)`;
    case 'INVALID_CLOSING_QUOTE':
    case 'NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      return `${at}text after the closing quote of a field`;
    default:
      return `${at}not readable as CSV (${e.code ?? 'parser error'})`;
  }
}

/** A file-system error in plain words. */
function readReason(e: NodeJS.ErrnoException): string {
  if (e.code === 'ENOENT') return 'no such file';
  if (e.code === 'EISDIR') return 'is a directory, not a CSV file';
  if (e.code === 'EACCES') return 'cannot be read (permission denied)';
  return `cannot be read (${e.message})`;
}

const isBlank = (record: string[]) => record.length === 1 && record[0] === '';

/**
 * A CSV source being read once. {@link openCsv} reads up to the first record; {@link CsvReader.chunks}
 * reads the rest. `rows` and `bytes` count progress as it goes; `totalBytes` is the file's size
 * (`null` for standard input).
 */
export class CsvReader {
  /** Data rows read so far. */
  rows = 0;
  private line = 0;
  private firstLine = 0;
  private pending: string[] | null = null;
  private used = false;
  private header: string[] | null = null;
  private columns = 0;

  private constructor(
    /** The name used in messages: the path, or `standard input`. */
    readonly label: string,
    readonly delimiter: string,
    /** The file's size in bytes (`null` for standard input or a pipe). */
    readonly totalBytes: number | null,
    private readonly records: AsyncIterator<string[]>,
    private readonly stop: () => void,
    private readonly counter: { bytes: number },
  ) {}

  /** Column names from the header, or `null` without one. */
  get names(): string[] | null {
    return this.header;
  }

  /** Fields of every row. */
  get width(): number {
    return this.columns;
  }

  /** Bytes read so far. */
  get bytes(): number {
    return this.counter.bytes;
  }

  /** @internal Use {@link openCsv}. */
  static async open(path: string, options: CsvReadOptions = {}): Promise<CsvReader> {
    // /dev/stdin cannot be opened when standard input is a socket (as child processes often get): read it directly.
    const fromStdin = path === STDIN || path === '/dev/stdin';
    const label = fromStdin ? 'standard input' : path;
    let totalBytes: number | null = null;
    if (!fromStdin) {
      try {
        const s = await stat(path);
        if (s.isDirectory()) throw Object.assign(new Error('directory'), { code: 'EISDIR' });
        totalBytes = s.isFile() ? s.size : null;
      } catch (e) {
        throw new FileFormatError(label, readReason(e as NodeJS.ErrnoException));
      }
    }
    const source: Readable = fromStdin ? process.stdin : createReadStream(path);
    const input = source[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
    const counter = { bytes: 0 };
    const next = async (): Promise<Buffer | null> => {
      let r: IteratorResult<Buffer | string>;
      try {
        r = await input.next();
      } catch (e) {
        throw new FileFormatError(label, readReason(e as NodeJS.ErrnoException));
      }
      if (r.done) return null;
      const b = typeof r.value === 'string' ? Buffer.from(r.value) : r.value;
      counter.bytes += b.length;
      return b;
    };
    // The head: enough whole lines to detect the delimiter, kept to be parsed first.
    const head: Buffer[] = [];
    let headBytes = 0;
    let newlines = 0;
    let ended = false;
    while (newlines < SNIFF_LINES + 1 && (headBytes < SNIFF_BYTES || newlines === 0)) {
      const b = await next();
      if (b === null) {
        ended = true;
        break;
      }
      head.push(b);
      headBytes += b.length;
      for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) newlines++;
    }
    let delimiter = options.delimiter;
    if (delimiter === undefined) {
      let text = Buffer.concat(head).toString('utf8').replace(/^\uFEFF/, '');
      if (!ended) text = text.slice(0, text.lastIndexOf('\n') + 1);
      const found = sniffDelimiter(text);
      if (found === null) {
        const both = consistentDelimiters(text).map(show).join(' and ');
        void input.return?.();
        throw new FileFormatError(label, `cannot tell the delimiter: ${both} each split every line into the same number of fields; give it with ${options.delimiterHint ?? 'the delimiter option'}`);
      }
      delimiter = found;
    }
    async function* all(): AsyncGenerator<Buffer> {
      for (const b of head) yield b;
      for (let b = await next(); b !== null; b = await next()) yield b;
    }
    const parser = parse({ bom: true, delimiter, relax_column_count: true, skip_empty_lines: false });
    const src = Readable.from(all(), { objectMode: false });
    // Errors reach the parser's iterator (pipeline destroys it with them); nothing to do here.
    pipeline(src, parser, () => undefined);
    const stop = () => {
      src.destroy();
      parser.destroy();
      void input.return?.();
    };
    const reader = new CsvReader(label, delimiter, totalBytes, parser[Symbol.asyncIterator]() as AsyncIterator<string[]>, stop, counter);
    const first = await reader.nextRecord();
    if (first === null) {
      stop();
      throw new FileFormatError(label, fromStdin ? 'the input holds no rows' : 'the file holds no rows');
    }
    const header = options.header ?? 'auto';
    const hasHeader = header === 'auto' ? !first.every(isNumberCell) : header;
    reader.header = hasHeader ? first.map((s) => s.trim()) : null;
    reader.columns = first.length;
    reader.firstLine = reader.line;
    reader.pending = hasHeader ? null : first;
    return reader;
  }

  /** The next non-empty record, counting lines; `null` at the end. */
  private async nextRecord(): Promise<string[] | null> {
    for (;;) {
      let r: IteratorResult<string[]>;
      try {
        r = await this.records.next();
      } catch (e) {
        this.stop();
        if (e instanceof FileFormatError) throw e;
        if (e instanceof CsvError) throw new FileFormatError(this.label, parserMessage(e));
        throw new FileFormatError(this.label, readReason(e as NodeJS.ErrnoException));
      }
      if (r.done) return null;
      const record = r.value;
      this.line++;
      // A quoted field may span lines.
      for (let k = 0; k < record.length; k++) {
        const f = record[k];
        if (f.length > 0 && f.includes('\n')) for (let i = f.indexOf('\n'); i >= 0; i = f.indexOf('\n', i + 1)) this.line++;
      }
      if (!isBlank(record)) return record;
    }
  }

  /**
   * The data rows of the selected columns in chunks of at most `chunkRows` rows (the last may be
   * shorter). A cell that is not a finite number, or a row of another width, throws
   * `FileFormatError` naming its line and column. Read once: a second call throws.
   */
  async *chunks(select: CsvSelection, chunkRows = 8192): AsyncGenerator<CsvChunk> {
    if (this.used) throw new Error('CsvReader.chunks: the source has been read already');
    this.used = true;
    const { indices, contextIndices } = select;
    const d = indices.length;
    const cd = contextIndices.length;
    let x = new Float32Array(chunkRows * d);
    let c = cd > 0 ? new Float32Array(chunkRows * cd) : null;
    let n = 0;
    try {
      for (;;) {
        const record = this.pending ?? (await this.nextRecord());
        this.pending = null;
        if (record === null) break;
        if (record.length !== this.width) {
          throw new FileFormatError(this.label, `line ${this.line}: expected ${this.width} fields (as on line ${this.firstLine}); got ${record.length}`);
        }
        for (let k = 0; k < d; k++) x[n * d + k] = this.cell(record, indices[k]);
        for (let k = 0; k < cd; k++) c![n * cd + k] = this.cell(record, contextIndices[k]);
        n++;
        this.rows++;
        if (n === chunkRows) {
          yield { x, context: c, n };
          x = new Float32Array(chunkRows * d);
          c = cd > 0 ? new Float32Array(chunkRows * cd) : null;
          n = 0;
        }
      }
      if (this.rows === 0) throw new FileFormatError(this.label, this.label === 'standard input' ? 'the input holds a header but no data rows' : 'the file holds a header but no data rows');
      if (n > 0) yield { x: x.subarray(0, n * d), context: c ? c.subarray(0, n * cd) : null, n };
    } finally {
      this.stop();
    }
  }

  /** Release the source without reading the rest. */
  close(): void {
    this.stop();
  }

  private cell(record: string[], col: number): number {
    const cell = record[col];
    const v = Number(cell);
    if (Number.isFinite(v) && (v !== 0 || cell.trim() !== '')) return v;
    const got = cell.trim() === '' ? 'an empty cell' : JSON.stringify(cell.length > 40 ? `${cell.slice(0, 40)}…` : cell);
    const hint = /^\s*[-+]?\d+,\d+\s*$/.test(cell) ? ' (a decimal comma? write 1.5, not 1,5)' : '';
    throw new FileFormatError(this.label, `line ${this.line}, column ${col + 1}${this.names ? ` ('${this.names[col]}')` : ''}: expected a finite number; got ${got}${hint}`);
  }
}

/** A cell that reads as a finite number. */
export const isNumberCell = (cell: string): boolean => cell.trim() !== '' && Number.isFinite(Number(cell));

/**
 * Open `path` (`'-'`: standard input) and read up to its first record: the delimiter, the header and
 * the width are then known (`reader.names`, `reader.width`); read the rows with `reader.chunks(…)`.
 * A missing or unreadable file, an empty one or an undetectable delimiter throws `FileFormatError`.
 */
export function openCsv(path: string, options: CsvReadOptions = {}): Promise<CsvReader> {
  return CsvReader.open(path, options);
}
