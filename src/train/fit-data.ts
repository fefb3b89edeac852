/**
 * Where `fit` gets its batches: rows held in memory (shuffled by a seeded `Rng` every epoch), or a
 * stream of batches (an async or sync iterable) read lazily, for data that does not fit in memory.
 * Rows are kept as JavaScript arrays and copied into a fresh tensor per batch.
 */
import { tf } from '../backend.js';
import { ValidationError, describe } from '../errors.js';
import type { Standardization } from '../flow.js';
import type { Rng, RngState } from '../random.js';
import { checkFiniteValues, type MatrixLike, toMatrix } from '../validate.js';

/** A batch with its context rows, for conditional flows. */
export interface BatchWithContext {
  x: MatrixLike;
  context?: MatrixLike;
}

/** One item of a stream of batches. */
export type StreamBatch = MatrixLike | BatchWithContext;

/** What `fit` accepts as training data. */
export type FitData = MatrixLike | AsyncIterable<StreamBatch> | Iterable<StreamBatch>;

/** A batch ready for the loss. */
export interface Batch {
  x: tf.Tensor2D;
  context: tf.Tensor2D | null;
  epoch: number;
  endOfEpoch: boolean;
  dispose(): void;
}

/** Rows in memory as flat float32 arrays. */
export interface Rows {
  x: Float32Array;
  context: Float32Array | null;
  n: number;
}

/** A batch of a stream, or a matrix: tells `{ x, context }` apart from `{ data, shape }`. */
function hasContextShape(v: unknown): v is BatchWithContext {
  return v !== null && typeof v === 'object' && !(v instanceof tf.Tensor) && !Array.isArray(v) && 'x' in v;
}

/** Whether `data` is a stream of batches rather than one matrix. */
export function isStream(data: unknown): data is AsyncIterable<StreamBatch> | Iterable<StreamBatch> {
  if (data === null || typeof data !== 'object' || Array.isArray(data) || data instanceof tf.Tensor || ArrayBuffer.isView(data)) return false;
  return Symbol.asyncIterator in data || Symbol.iterator in data;
}

/**
 * Read a matrix argument into a float32 array (the caller's tensors are left alone), with one
 * asynchronous read; a tensor's values are checked for finiteness here, after the read, on every backend.
 */
export async function readRows(fn: string, arg: string, input: unknown, cols: number, rows?: number): Promise<{ values: Float32Array; n: number }> {
  const isTensor = input instanceof tf.Tensor;
  const { tensor, owned } = toMatrix(input, { fn, arg, cols, rows, finite: !isTensor });
  const n = tensor.shape[0];
  let values: Float32Array;
  try {
    values = (await tensor.data()) as Float32Array;
  } finally {
    if (owned) tensor.dispose();
  }
  if (isTensor) checkFiniteValues({ fn, arg, cols, rows }, values, cols);
  return { values: owned ? values : Float32Array.from(values), n };
}

/** Per-column mean and standard deviation (float64, population sd; a constant column gets sd 1). */
export function columnStats(values: Float32Array, n: number, dim: number): Standardization {
  const mean = new Array<number>(dim).fill(0);
  const sq = new Array<number>(dim).fill(0);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) mean[j] += values[i * dim + j];
  for (let j = 0; j < dim; j++) mean[j] /= n;
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) sq[j] += (values[i * dim + j] - mean[j]) ** 2;
  const std = sq.map((s) => Math.sqrt(s / n)).map((s) => (s > 0 && Number.isFinite(s) ? s : 1));
  return { mean, std };
}

/** The rows of `values` (`[*, cols]`) listed in `index`, as a new array. */
export function pickRows(values: Float32Array, cols: number, index: ArrayLike<number>, from = 0, count = index.length): Float32Array {
  const out = new Float32Array(count * cols);
  // Narrow rows element by element: a subarray per row costs more than the copy (2-D data: 2 floats).
  if (cols <= 16) {
    for (let r = 0, o = 0; r < count; r++) for (let c = 0, i = index[from + r] * cols; c < cols; c++) out[o++] = values[i + c];
    return out;
  }
  for (let r = 0; r < count; r++) out.set(values.subarray(index[from + r] * cols, index[from + r] * cols + cols), r * cols);
  return out;
}

/** Where `MemoryBatches` is: the epoch, the next batch in it, and the generator before that epoch's shuffle. */
export interface MemoryPosition {
  epoch: number;
  position: number;
  rng: RngState;
}

/** Where `StreamBatches` is: the epoch and the number of its batches already read. */
export interface StreamPosition {
  epoch: number;
  index: number;
}

/** Batches from rows in memory: a new seeded permutation per epoch; the last partial batch is dropped. */
export class MemoryBatches {
  readonly stepsPerEpoch: number;
  private order: number[] = [];
  private position = 0;
  private epoch = 0;
  /** The generator's state just before the current epoch's permutation was drawn. */
  private epochStart: RngState | null = null;

  constructor(
    private readonly rows: Rows,
    private readonly dim: number,
    private readonly contextDim: number,
    private readonly batchSize: number,
    private readonly rng: Rng,
    /** Stop after this many epochs, or `null` to cycle for ever. */
    private readonly maxEpochs: number | null,
  ) {
    this.stepsPerEpoch = Math.floor(rows.n / batchSize);
  }

  next(): Batch | null {
    if (this.position === 0) {
      if (this.maxEpochs !== null && this.epoch >= this.maxEpochs) return null;
      this.epoch++;
      this.epochStart = this.rng.getState();
      this.order = this.rng.permutation(this.rows.n);
    }
    const { batchSize, dim, contextDim } = this;
    const from = this.position * batchSize;
    const x = tf.tensor2d(pickRows(this.rows.x, dim, this.order, from, batchSize), [batchSize, dim]);
    const context = this.rows.context ? tf.tensor2d(pickRows(this.rows.context, contextDim, this.order, from, batchSize), [batchSize, contextDim]) : null;
    this.position = (this.position + 1) % this.stepsPerEpoch;
    return {
      x,
      context,
      epoch: this.epoch,
      endOfEpoch: this.position === 0,
      dispose: () => tf.dispose(context ? [x, context] : [x]),
    };
  }

  /** The current position; the permutation is not stored, since it is redrawn from the generator state. */
  getPosition(): MemoryPosition {
    const rng = this.position === 0 ? this.rng.getState() : this.epochStart!;
    return { epoch: this.epoch, position: this.position, rng };
  }

  /** Continue from a position of {@link getPosition} (over the same rows and batch size). */
  setPosition(p: MemoryPosition): void {
    this.epoch = p.epoch;
    this.position = p.position;
    this.rng.setState(p.rng);
    if (p.position > 0) {
      this.epochStart = this.rng.getState();
      this.order = this.rng.permutation(this.rows.n);
    }
  }
}

const DONE = Symbol('done');

/**
 * Batches from a stream. Each epoch calls the iterable's iterator method again; one batch is read
 * ahead so that the last batch of an epoch is known as such. An epoch that yields nothing ends the data.
 */
export class StreamBatches {
  private iterator: AsyncIterator<StreamBatch> | Iterator<StreamBatch> | null = null;
  private epoch = 1;
  private index = 0;
  private peeked: StreamBatch | typeof DONE | undefined;
  private finished = false;
  /** Batches to read and drop when the iterator is next created (resuming inside an epoch). */
  private skip = 0;

  constructor(
    private readonly fn: string,
    private readonly source: AsyncIterable<StreamBatch> | Iterable<StreamBatch>,
    private readonly dim: number,
    private readonly contextDim: number,
    /** Stop after this many passes, or `null` to restart the stream until the caller stops. */
    private readonly maxEpochs: number | null,
  ) {}

  /** The first batch's rows, read without consuming it (for standardisation statistics). */
  async first(): Promise<{ values: Float32Array; n: number } | null> {
    if (this.peeked === undefined) this.peeked = await this.pull();
    if (this.peeked === DONE) return null;
    const { x } = this.split(this.peeked, 0);
    return readRows(this.fn, 'data (batch 0)', x, this.dim);
  }

  /** The next batch; `null` after the planned epochs; `'exhausted'` when an epoch yielded no batch. */
  async next(): Promise<Batch | null | 'exhausted'> {
    if (this.finished) return null;
    const current = this.peeked !== undefined ? this.peeked : await this.pull();
    this.peeked = undefined;
    if (current === DONE) {
      this.finished = true;
      return 'exhausted';
    }
    const epoch = this.epoch;
    const index = this.index++;
    const ahead = await this.pull();
    const endOfEpoch = ahead === DONE;
    if (endOfEpoch) {
      if (this.maxEpochs !== null && this.epoch >= this.maxEpochs) this.finished = true;
      this.epoch++;
      this.index = 0;
      this.iterator = null;
    } else {
      this.peeked = ahead;
    }
    return { ...this.convert(current, epoch, index), epoch, endOfEpoch };
  }

  /** The current position: batches consumed by training (the one read ahead is not counted). */
  getPosition(): StreamPosition {
    return { epoch: this.epoch, index: this.index };
  }

  /**
   * Continue from a position of {@link getPosition}: the stream is restarted and the batches of the
   * epoch that were already used are read again and dropped (the stream must give the same batches).
   * Call before reading anything.
   */
  setPosition(p: StreamPosition): void {
    this.epoch = p.epoch;
    this.index = p.index;
    this.skip = p.index;
    this.finished = this.maxEpochs !== null && p.epoch > this.maxEpochs;
    this.iterator = null;
    this.peeked = undefined;
  }

  private async pull(): Promise<StreamBatch | typeof DONE> {
    if (!this.iterator) {
      const s = this.source as { [Symbol.asyncIterator]?: () => AsyncIterator<StreamBatch>; [Symbol.iterator]?: () => Iterator<StreamBatch> };
      this.iterator = s[Symbol.asyncIterator] ? s[Symbol.asyncIterator]!() : s[Symbol.iterator]!();
      for (; this.skip > 0; this.skip--) {
        if ((await this.iterator.next()).done) {
          this.skip = 0;
          return DONE;
        }
      }
    }
    const r = await this.iterator.next();
    return r.done ? DONE : r.value;
  }

  private split(item: StreamBatch, index: number): { x: unknown; context: unknown } {
    if (hasContextShape(item)) return { x: item.x, context: item.context };
    if (item === null || item === undefined) throw new ValidationError(this.fn, `data (batch ${index})`, 'a matrix or { x, context }', describe(item));
    return { x: item, context: undefined };
  }

  private convert(item: StreamBatch, epoch: number, index: number): { x: tf.Tensor2D; context: tf.Tensor2D | null; dispose(): void } {
    const where = `data (epoch ${epoch}, batch ${index})`;
    const { x, context } = this.split(item, index);
    const xs = toMatrix(x, { fn: this.fn, arg: where, cols: this.dim });
    let cs: { tensor: tf.Tensor2D; owned: boolean } | null = null;
    try {
      if (this.contextDim > 0) {
        if (context === undefined || context === null) throw new ValidationError(this.fn, `${where}.context`, `a matrix [${xs.tensor.shape[0]}, ${this.contextDim}] (the flow is conditional)`, 'none');
        cs = toMatrix(context, { fn: this.fn, arg: `${where}.context`, cols: this.contextDim, rows: xs.tensor.shape[0] });
      } else if (context !== undefined && context !== null) {
        throw new ValidationError(this.fn, `${where}.context`, 'absent (the flow is unconditional)', describe(context));
      }
    } catch (e) {
      if (xs.owned) xs.tensor.dispose();
      throw e;
    }
    const owned = [...(xs.owned ? [xs.tensor] : []), ...(cs?.owned ? [cs.tensor] : [])];
    return { x: xs.tensor, context: cs?.tensor ?? null, dispose: () => tf.dispose(owned) };
  }
}
