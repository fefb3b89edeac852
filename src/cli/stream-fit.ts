/**
 * `fit --stream`: training from a CSV file that is not held in memory. The file is read once to scan
 * it (row count, uniform samples of the training and of the held-out rows), then once per epoch through a shuffle buffer: rows enter a buffer of
 * `--shuffle-buffer` rows and leave it in random order, batch by batch (as `tf.data`'s shuffle).
 * The standardisation (`--standardize`) is computed on a uniform sample of the training rows.
 * Memory is the buffer plus the samples, whatever the file's size. The split is a seeded coin per row,
 * drawn in file order in every pass, so a row is always in the same split.
 */
import { totalmem } from 'node:os';
import { ValidationError } from '../errors.js';
import type { Standardization } from '../flow.js';
import { Rng } from '../random.js';
import { type StandardizeMode, autoStandardizeMode, standardizationOf } from '../train/standardization.js';
import type { StreamBatch } from '../train/fit-data.js';
import type { CsvSelection } from '../data/csv-reader.js';
import { Interrupted } from './interrupt.js';
import { progressLine, rowsText } from './progress-line.js';
import { type CsvFlags, type ColumnLayout, open, openTable, type RowLimit, type Table } from './table.js';

/** Held-out rows kept (a uniform sample) for the validation loss and for the test NLL. */
export const HOLDOUT_SAMPLE = 50_000;
/** Training rows kept (a uniform sample) for the training NLL and the report's figures. */
export const TRAIN_SAMPLE = 20_000;
/** Default rows of the shuffle buffer. */
export const SHUFFLE_BUFFER = 100_000;

/**
 * The default `--max-rows` for data held in memory: a quarter of the machine's memory (at most 8 GB)
 * over the bytes a row costs while `fit` holds it (the table, its split copies and the training copy,
 * about three float32 copies).
 */
export function defaultMaxRows(columns: number): number {
  const budget = Math.min(totalmem() / 4, 8e9);
  return Math.max(1, Math.floor(budget / (3 * 4 * columns)));
}

/** The in-memory row limit of `fit` and what to do past it. */
export function fitRowLimit(maxRows: number | undefined, columns: number, file: string): RowLimit {
  const advice = file === '-'
    ? 'save the input to a file and train with --stream (reads the file once per epoch through a shuffle buffer), or raise --max-rows'
    : 'train with --stream (reads the file once per epoch through a shuffle buffer, in bounded memory), or raise --max-rows';
  return { maxRows: maxRows ?? defaultMaxRows(columns), advice };
}

/** A uniform sample of at most `cap` rows of `cols` values (reservoir sampling). */
class Reservoir {
  readonly values: Float32Array;
  seen = 0;
  constructor(
    private readonly cap: number,
    private readonly cols: number,
    private readonly rng: Rng,
  ) {
    this.values = new Float32Array(cap * cols);
  }

  offer(row: Float32Array, from: number): void {
    const slot = this.seen < this.cap ? this.seen : Math.floor(this.rng.uniform() * (this.seen + 1));
    this.seen++;
    if (slot < this.cap) this.values.set(row.subarray(from, from + this.cols), slot * this.cols);
  }

  /** The sample as a table (`dim` data columns, then the context columns). */
  table(dim: number, contextDim: number): Table | null {
    const n = Math.min(this.seen, this.cap);
    if (n === 0) return null;
    const x = new Float32Array(n * dim);
    const context = contextDim > 0 ? new Float32Array(n * contextDim) : null;
    for (let i = 0; i < n; i++) {
      x.set(this.values.subarray(i * this.cols, i * this.cols + dim), i * dim);
      if (context) context.set(this.values.subarray(i * this.cols + dim, (i + 1) * this.cols), i * contextDim);
    }
    return { x, context, n, dim, contextDim };
  }
}

export interface StreamOptions {
  columns?: string[];
  contextColumns?: string[];
  csv: CsvFlags;
  /** Fractions held out (the test fraction is 0 when a test file is given). */
  validation: number;
  test: number;
  seed: number | string;
  batchSize: number;
  shuffleBuffer: number;
  /** The standardisation to compute (on the sample of training rows), or `false` for none. */
  standardize: StandardizeMode | 'auto' | false;
  progress: boolean;
  /** Stops the scan (with `Interrupted`). */
  signal?: AbortSignal;
}

export interface StreamPlan {
  layout: ColumnLayout;
  /** Samples of the training, validation and test rows (for the metrics and the report). */
  samples: { train: Table; validation: Table | null; test: Table | null };
  /** Rows of the file in each split. */
  counts: { rows: number; train: number; validation: number; test: number };
  /** The standardisation asked for, from the sample of training rows (`false`: none). */
  standardize: Standardization | false;
  /** The training batches: each iteration is one pass over the file (an epoch), freshly shuffled. */
  batches: AsyncIterable<StreamBatch>;
}

/** Which split a row falls in, from one uniform draw. */
const splitOf = (u: number, o: StreamOptions) => (u < o.test ? 'test' : u < o.test + o.validation ? 'validation' : 'train');

/** Rows of the file's selected columns, in chunks, each row `[data…, context…]` (one pass). */
async function* rowsOf(file: string, csv: CsvFlags, selection: CsvSelection): AsyncGenerator<{ values: Float32Array; n: number; cols: number }> {
  const reader = await open(file, csv);
  const cols = selection.indices.length + selection.contextIndices.length;
  for await (const chunk of reader.chunks(selection)) {
    const d = selection.indices.length;
    const cd = selection.contextIndices.length;
    const values = new Float32Array(chunk.n * cols);
    for (let i = 0; i < chunk.n; i++) {
      values.set(chunk.x.subarray(i * d, (i + 1) * d), i * cols);
      if (chunk.context) values.set(chunk.context.subarray(i * cd, (i + 1) * cd), i * cols + d);
    }
    yield { values, n: chunk.n, cols };
  }
}

/** Scan `file` once and plan the streamed training. */
export async function planStream(fn: string, file: string, o: StreamOptions): Promise<StreamPlan> {
  const opened = await openTable(fn, file, o.columns, o.contextColumns, o.csv);
  opened.reader.close();
  const { layout, selection } = opened;
  const dim = selection.indices.length;
  const contextDim = selection.contextIndices.length;
  const cols = dim + contextDim;
  const pickRng = new Rng(`${o.seed}/stream-samples`);
  const samples = {
    train: new Reservoir(TRAIN_SAMPLE, cols, pickRng),
    validation: new Reservoir(HOLDOUT_SAMPLE, cols, pickRng),
    test: new Reservoir(HOLDOUT_SAMPLE, cols, pickRng),
  };
  const split = new Rng(`${o.seed}/stream-split`);
  let rows = 0;
  const started = performance.now();
  const line = progressLine(() => rowsText(`scanning ${file}`, rows, started), o.progress);
  try {
    for await (const chunk of rowsOf(file, o.csv, selection)) {
      for (let i = 0; i < chunk.n; i++) {
        const part = splitOf(split.uniform(), o);
        samples[part].offer(chunk.values, i * cols);
      }
      rows += chunk.n;
      if (o.signal?.aborted) throw new Interrupted(`interrupted (${String(o.signal.reason)}) while scanning ${file}: nothing written`);
    }
  } finally {
    line.stop();
  }
  const train = samples.train.table(dim, contextDim);
  if (train === null) throw new ValidationError(fn, '--val/--test', `fractions leaving at least one training row of ${rows}`, `${samples.validation.seen} validation and ${samples.test.seen} test rows`);
  return {
    layout,
    samples: { train, validation: samples.validation.table(dim, contextDim), test: samples.test.table(dim, contextDim) },
    counts: { rows, train: samples.train.seen, validation: samples.validation.seen, test: samples.test.seen },
    // From the uniform sample of training rows: statistics of 20,000 rows are as good as those of all of them.
    // 'auto' judges by all the training rows the stream holds, not the sample's.
    standardize: o.standardize === false ? false : standardizationOf(fn, o.standardize === 'auto' ? autoStandardizeMode(samples.train.seen, dim) : o.standardize, train.x, train.n, dim),
    batches: shuffledBatches(file, o, selection, dim, contextDim),
  };
}

/** One pass over the training rows of `file` per iteration, through a seeded shuffle buffer, in batches. */
function shuffledBatches(file: string, o: StreamOptions, selection: CsvSelection, dim: number, contextDim: number): AsyncIterable<StreamBatch> {
  const cols = dim + contextDim;
  let epoch = 0;
  const batchOf = (rows: Float32Array, n: number): StreamBatch => {
    if (contextDim === 0) return { data: rows, shape: [n, dim] as const };
    const x = new Float32Array(n * dim);
    const c = new Float32Array(n * contextDim);
    for (let i = 0; i < n; i++) {
      x.set(rows.subarray(i * cols, i * cols + dim), i * dim);
      c.set(rows.subarray(i * cols + dim, (i + 1) * cols), i * contextDim);
    }
    return { x: { data: x, shape: [n, dim] as const }, context: { data: c, shape: [n, contextDim] as const } };
  };
  async function* pass(e: number): AsyncGenerator<StreamBatch> {
    const split = new Rng(`${o.seed}/stream-split`);
    const shuffle = new Rng(`${o.seed}/stream-shuffle/${e}`);
    const size = o.shuffleBuffer;
    const buffer = new Float32Array(size * cols);
    let filled = 0;
    let batch = new Float32Array(o.batchSize * cols);
    let k = 0;
    const emit = (from: number): StreamBatch | null => {
      batch.set(buffer.subarray(from * cols, (from + 1) * cols), k * cols);
      if (++k < o.batchSize) return null;
      const out = batchOf(batch, k);
      batch = new Float32Array(o.batchSize * cols);
      k = 0;
      return out;
    };
    for await (const chunk of rowsOf(file, o.csv, selection)) {
      for (let i = 0; i < chunk.n; i++) {
        if (splitOf(split.uniform(), o) !== 'train') continue;
        const row = chunk.values.subarray(i * cols, (i + 1) * cols);
        if (filled < size) {
          buffer.set(row, filled++ * cols);
          continue;
        }
        // A random row of the full buffer leaves; the new row takes its place.
        const j = Math.floor(shuffle.uniform() * size);
        const ready = emit(j);
        buffer.set(row, j * cols);
        if (ready) yield ready;
      }
    }
    // The end of the file: what is left in the buffer, in random order.
    const order = shuffle.permutation(filled);
    for (const j of order) {
      const ready = emit(j);
      if (ready) yield ready;
    }
    if (k > 0) yield batchOf(batch.subarray(0, k * cols), k);
  }
  return {
    [Symbol.asyncIterator]: () => pass(++epoch)[Symbol.asyncIterator](),
  };
}
