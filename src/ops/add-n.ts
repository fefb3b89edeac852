import { tf } from '../backend.js';

/**
 * Most inputs one `tf.addN` takes here: WebGPU's AddN binds one storage buffer per input and fails
 * beyond the adapter's per-stage limit (8 by default, one of them for the output).
 */
const MAX_ADD_N = 7;

/**
 * `Σᵢ tᵢ` of same-shape tensors, as `tf.addN` (one op on cpu and wasm for up to 7 inputs) in groups
 * that every backend accepts. An empty list is an error of the caller.
 *
 * @example
 * ```ts
 * const total = addMany(logDets); // [batch]
 * ```
 */
export function addMany<T extends tf.Tensor>(tensors: readonly T[]): T {
  if (tensors.length === 0) throw new Error('addMany: internal: no tensors to add');
  return tf.tidy(() => {
    let level: tf.Tensor[] = [...tensors];
    while (level.length > 1) {
      const next: tf.Tensor[] = [];
      for (let i = 0; i < level.length; i += MAX_ADD_N) {
        const group = level.slice(i, i + MAX_ADD_N);
        next.push(group.length === 1 ? group[0] : tf.addN(group));
      }
      level = next;
    }
    return level[0] as T;
  });
}
