/**
 * One weight outside TF.js (a typed array with its shape) and its JSON form (base64 of the
 * little-endian bytes). Shared by saved models and by anything else that writes weights (checkpoints).
 */
import { ValidationError, describe } from '../errors.js';
import { base64ToBytes, bytesToBase64 } from './base64.js';

/** The dtypes a weight may have. Every built-in weight is float32; int32/bool hold integer state. */
export type WeightDType = 'float32' | 'int32' | 'bool';
/** The typed array for each dtype: Float32Array, Int32Array, Uint8Array (0/1 for bool). */
export type WeightValues = Float32Array | Int32Array | Uint8Array;

/** A weight's values in memory. */
export interface WeightArray {
  name: string;
  shape: number[];
  dtype: WeightDType;
  values: WeightValues;
}

/**
 * A weight in a JSON document: `data` is base64 of the values' little-endian bytes (4 per float32 or
 * int32 value, 1 per bool). Bit-exact, NaN, ±Infinity and −0 included, unlike decimal JSON numbers.
 */
export interface WeightRecord {
  name: string;
  shape: number[];
  dtype: WeightDType;
  data: string;
}

export const WEIGHT_DTYPES: readonly WeightDType[] = ['float32', 'int32', 'bool'];
const BYTES_PER_VALUE: Record<WeightDType, number> = { float32: 4, int32: 4, bool: 1 };
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Number of values a shape holds (1 for a scalar `[]`). */
export function shapeSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** An empty typed array of the dtype's kind. */
export function allocateValues(dtype: WeightDType, size: number): WeightValues {
  return dtype === 'float32' ? new Float32Array(size) : dtype === 'int32' ? new Int32Array(size) : new Uint8Array(size);
}

/** Whether `v` is the typed array kind that holds `dtype` values. */
export function isValuesOf(v: unknown, dtype: WeightDType): v is WeightValues {
  return dtype === 'float32' ? v instanceof Float32Array : dtype === 'int32' ? v instanceof Int32Array : v instanceof Uint8Array;
}

/** The values' bytes in little-endian order (a copy; byte-swapped on big-endian hosts). */
function littleEndianBytes(values: WeightValues): Uint8Array {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength).slice();
  if (!LITTLE_ENDIAN_HOST && values.BYTES_PER_ELEMENT === 4) {
    for (let i = 0; i < bytes.length; i += 4) bytes.subarray(i, i + 4).reverse();
  }
  return bytes;
}

/** In-memory weight → JSON record. */
export function encodeWeight(weight: WeightArray): WeightRecord {
  const w = weight as Partial<WeightArray> | null;
  if (!w || typeof w.name !== 'string' || !Array.isArray(w.shape) || !WEIGHT_DTYPES.includes(w.dtype as WeightDType) || !isValuesOf(w.values, w.dtype as WeightDType)) {
    throw new ValidationError('encodeWeight', 'weight', '{ name, shape, dtype, values } with values the typed array of its dtype', describe(weight));
  }
  return { name: weight.name, shape: [...weight.shape], dtype: weight.dtype, data: bytesToBase64(littleEndianBytes(weight.values)) };
}

/**
 * JSON record (already checked to have a string name, an integer shape, a known dtype and string
 * data) → in-memory weight, or a description of why the data does not fit the shape.
 */
export function decodeWeight(record: WeightRecord): WeightArray | { error: string } {
  const r = record as Partial<WeightRecord> | null;
  if (!r || typeof r.data !== 'string' || !Array.isArray(r.shape) || !r.shape.every((s) => Number.isInteger(s) && s >= 0) || !WEIGHT_DTYPES.includes(r.dtype as WeightDType)) {
    throw new ValidationError('decodeWeight', 'record', '{ name, shape: integers ≥ 0, dtype, data: base64 string }', describe(record));
  }
  const bytes = base64ToBytes(record.data);
  if (!(bytes instanceof Uint8Array)) return { error: `its data is not valid base64 (${bytes.error})` };
  const size = shapeSize(record.shape);
  const need = size * BYTES_PER_VALUE[record.dtype];
  if (bytes.length !== need) {
    return { error: `shape [${record.shape.join(', ')}] needs ${need} bytes of ${record.dtype} data (${size} values); the data has ${bytes.length}` };
  }
  if (!LITTLE_ENDIAN_HOST && BYTES_PER_VALUE[record.dtype] === 4) {
    for (let i = 0; i < bytes.length; i += 4) bytes.subarray(i, i + 4).reverse();
  }
  // `bytes` is a fresh, aligned buffer of exactly this length, so the views below share it without copying.
  const values =
    record.dtype === 'float32' ? new Float32Array(bytes.buffer, 0, size) : record.dtype === 'int32' ? new Int32Array(bytes.buffer, 0, size) : bytes;
  return { name: record.name, shape: [...record.shape], dtype: record.dtype, values };
}
