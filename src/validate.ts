/**
 * The only code that reads raw user input: arrays, typed arrays, tensors and option objects.
 * Validate where data enters, once; the maths never re-checks.
 */
import { syncReadsAreCheap, tf } from './backend.js';
import { ValidationError, describe } from './errors.js';
import type { JsonObject } from './module.js';

/** A matrix of numbers `[rows, cols]`: nested arrays, a flat typed array with its shape, or a 2D tensor. */
export type MatrixLike =
  | number[][]
  | tf.Tensor2D
  | { data: Float32Array | Float64Array | number[]; shape: readonly [number, number] };

/** What a matrix argument must look like. */
export interface MatrixSpec {
  /** Function name for messages. */
  fn: string;
  /** Argument name for messages. */
  arg: string;
  /** Required number of columns. */
  cols?: number;
  /** Required number of rows. */
  rows?: number;
  /** Allow zero rows (default false). */
  allowEmpty?: boolean;
  /** Check every value is finite (default true). */
  finite?: boolean;
}

function fail(spec: MatrixSpec, expected: string, got: string): never {
  throw new ValidationError(spec.fn, spec.arg, expected, got);
}

function shapeText(spec: MatrixSpec): string {
  return `a 2D matrix [${spec.rows ?? 'batch'}, ${spec.cols ?? 'dim'}]`;
}

/** Check the shape of a `[rows, cols]` pair against the spec. */
function checkShape(spec: MatrixSpec, rows: number, cols: number): void {
  if (spec.cols !== undefined && cols !== spec.cols) fail(spec, `${shapeText(spec)} with ${spec.cols} columns`, `${cols} columns (shape [${rows}, ${cols}])`);
  if (spec.rows !== undefined && rows !== spec.rows) fail(spec, `${shapeText(spec)} with ${spec.rows} rows`, `${rows} rows (shape [${rows}, ${cols}])`);
  if (!spec.allowEmpty && rows === 0) fail(spec, `${shapeText(spec)} with at least one row`, 'an empty matrix');
}

/** Throw the `ValidationError` of `spec` naming the first non-finite value of row-major `values` (`cols` columns). */
export function checkFiniteValues(spec: MatrixSpec, values: ArrayLike<number>, cols: number): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) {
      const c = cols > 0 ? cols : 1;
      fail(spec, 'finite numbers', `${describe(v)} at row ${Math.floor(i / c)}, column ${i % c}`);
    }
  }
}

/**
 * Convert and check a matrix argument; returns a new float32 `tf.Tensor2D` (or the caller's tensor
 * itself when it is already a valid float32 2D tensor: never dispose it then, see `owned`).
 */
export function toMatrix(input: unknown, spec: MatrixSpec): { tensor: tf.Tensor2D; owned: boolean } {
  const finite = spec.finite ?? true;
  if (input instanceof tf.Tensor) {
    if (input.isDisposed) fail(spec, shapeText(spec), 'a disposed tensor');
    if (input.rank !== 2) fail(spec, shapeText(spec), `a rank-${input.rank} tensor of shape [${input.shape.join(', ')}]`);
    const [rows, cols] = input.shape as [number, number];
    checkShape(spec, rows, cols);
    if (input.dtype !== 'float32' && input.dtype !== 'int32') fail(spec, `${shapeText(spec)} of numbers`, `a tensor of dtype ${input.dtype}`);
    // A tensor's values are checked by one synchronous read where that read is a memory copy (cpu,
    // wasm, tfjs-node). On a GPU backend it would stall or throw, so the check is left to the caller
    // who reads asynchronously (fit's `readRows`), or skipped: non-finite rows then give NaN results.
    if (finite && input.size > 0 && syncReadsAreCheap()) {
      const ok = tf.tidy(() => tf.all(tf.isFinite(input)));
      const allFinite = ok.dataSync()[0] === 1;
      ok.dispose();
      if (!allFinite) checkFiniteValues(spec, input.dataSync() as Float32Array, cols);
    }
    if (input.dtype === 'int32') return { tensor: tf.cast(input, 'float32') as tf.Tensor2D, owned: true };
    return { tensor: input as tf.Tensor2D, owned: false };
  }
  if (Array.isArray(input)) {
    const rows = input.length;
    if (rows === 0) {
      if (!spec.allowEmpty) fail(spec, `${shapeText(spec)} with at least one row`, 'an empty array');
      return { tensor: tf.zeros([0, spec.cols ?? 0]) as tf.Tensor2D, owned: true };
    }
    if (!Array.isArray(input[0])) fail(spec, `${shapeText(spec)} (an array of rows)`, `a flat array (row 0 is ${describe(input[0])})`);
    const cols = (input[0] as unknown[]).length;
    const values = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r++) {
      const row = input[r] as unknown;
      if (!Array.isArray(row)) fail(spec, `${shapeText(spec)} (an array of rows)`, `${describe(row)} at row ${r}`);
      if (row.length !== cols) fail(spec, `${shapeText(spec)} with rows of equal length`, `a ragged array: row 0 has ${cols} values, row ${r} has ${row.length}`);
      for (let c = 0; c < cols; c++) {
        const v = row[c];
        if (typeof v !== 'number') fail(spec, 'numbers', `${describe(v)} at row ${r}, column ${c}`);
        if (finite && !Number.isFinite(v)) fail(spec, 'finite numbers', `${describe(v)} at row ${r}, column ${c}`);
        values[r * cols + c] = v;
      }
    }
    checkShape(spec, rows, cols);
    return { tensor: tf.tensor2d(values, [rows, cols]), owned: true };
  }
  if (input !== null && typeof input === 'object' && 'data' in input && 'shape' in input) {
    const { data, shape } = input as { data: unknown; shape: unknown };
    if (!Array.isArray(shape) || shape.length !== 2 || !shape.every((s) => Number.isInteger(s) && s >= 0)) {
      fail(spec, `${shapeText(spec)} given as { data, shape: [rows, cols] }`, `shape ${describe(shape)}`);
    }
    if (!(data instanceof Float32Array || data instanceof Float64Array || Array.isArray(data))) {
      fail(spec, '{ data: Float32Array | Float64Array | number[], shape }', `data ${describe(data)}`);
    }
    const [rows, cols] = shape as [number, number];
    if (data.length !== rows * cols) fail(spec, `data of length rows × cols = ${rows * cols}`, `length ${data.length}`);
    checkShape(spec, rows, cols);
    if (finite) checkFiniteValues(spec, data as ArrayLike<number>, cols);
    return { tensor: tf.tensor2d(Float32Array.from(data as ArrayLike<number>), [rows, cols]), owned: true };
  }
  return fail(spec, `${shapeText(spec)}: number[][], { data, shape } or a tf.Tensor2D`, describe(input));
}

/** Like `toMatrix`, for use inside `tf.tidy` (the converted tensor is then disposed by the tidy). */
export function matrix(input: unknown, spec: MatrixSpec): tf.Tensor2D {
  return toMatrix(input, spec).tensor;
}

/** A whole number ≥ `min` (default 1). */
export function checkInt(fn: string, arg: string, value: unknown, min = 1): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new ValidationError(fn, arg, `an integer ≥ ${min}`, describe(value));
  }
  return value;
}

/** A finite number, optionally bounded (bounds exclusive when `open`). */
export function checkNumber(
  fn: string,
  arg: string,
  value: unknown,
  range: { min?: number; max?: number; open?: boolean } = {},
): number {
  const { min, max, open = false } = range;
  const bad =
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    (min !== undefined && (open ? value <= min : value < min)) ||
    (max !== undefined && (open ? value >= max : value > max));
  if (bad) {
    const lo = min === undefined ? '' : `${open ? '>' : '≥'} ${min}`;
    const hi = max === undefined ? '' : `${open ? '<' : '≤'} ${max}`;
    const bounds = [lo, hi].filter(Boolean).join(' and ');
    throw new ValidationError(fn, arg, `a finite number${bounds ? ` ${bounds}` : ''}`, describe(value));
  }
  return value as number;
}

/** A scalar or per-dimension array of finite numbers, expanded to length `dim` when `dim` is known. */
export function checkVector(
  fn: string,
  arg: string,
  value: unknown,
  dim: number | null,
  range: { min?: number; open?: boolean } = {},
): number[] {
  const values = typeof value === 'number' ? (dim === null ? [value] : new Array<number>(dim).fill(value)) : value;
  if (!Array.isArray(values) || values.length === 0) throw new ValidationError(fn, arg, 'a number or a non-empty array of numbers', describe(value));
  if (dim !== null && values.length !== dim) throw new ValidationError(fn, arg, `${dim} values (one per dimension)`, `${values.length}`);
  values.forEach((v, i) => checkNumber(fn, `${arg}[${i}]`, v, range));
  return values as number[];
}

/** A boolean, or `fallback` when the value is undefined. */
export function checkBoolean(fn: string, arg: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new ValidationError(fn, arg, 'true or false', describe(value));
  return value;
}

/** Reject option keys this function does not know (catches typos such as `learningrate`). */
export function checkOptions(fn: string, options: unknown, known: readonly string[]): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new ValidationError(fn, 'options', 'an object', describe(options));
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw new ValidationError(fn, 'options', `an object with keys among ${known.join(', ')}`, `unknown option ${JSON.stringify(key)}`);
  }
}

/**
 * A plain JSON object (null, booleans, finite numbers, strings, arrays and plain objects, no cycles),
 * such as user metadata written into a file: rejected here rather than silently turned into `null`
 * (NaN) or dropped (undefined, functions) by `JSON.stringify`.
 */
export function checkJsonObject(fn: string, arg: string, value: unknown): JsonObject {
  const isPlain = (v: unknown): v is Record<string, unknown> =>
    v !== null && typeof v === 'object' && [Object.prototype, null].includes(Object.getPrototypeOf(v));
  if (!isPlain(value)) throw new ValidationError(fn, arg, 'a plain JSON object', describe(value));
  const open = new Set<unknown>();
  const walk = (v: unknown, at: string): void => {
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw new ValidationError(fn, at, 'a finite number (JSON has no NaN or Infinity)', describe(v));
      return;
    }
    if (!Array.isArray(v) && !isPlain(v)) throw new ValidationError(fn, at, 'a JSON value (null, boolean, finite number, string, array or plain object)', describe(v));
    if (open.has(v)) throw new ValidationError(fn, at, 'a JSON value without cycles', 'a circular reference');
    open.add(v);
    if (Array.isArray(v)) v.forEach((item, i) => walk(item, `${at}[${i}]`));
    else for (const [k, item] of Object.entries(v)) walk(item, `${at}.${k}`);
    open.delete(v);
  };
  walk(value, arg);
  return value as JsonObject;
}
