/**
 * Tape-free rules of the permutations {@link Permute} and {@link Reverse}: the density direction
 * `z[:, j] = y[:, π⁻¹(j)]` (log-det zero, reported as `null`), the backward `dy[:, k] = dz[:, π(k)]`,
 * each one pass of the column kernel.
 */
import type { tf } from '../../backend.js';
import type { Permute } from '../../bijectors/permute.js';
import type { Reverse } from '../../bijectors/reverse.js';
import { takeColumns } from '../../kernels/columns.js';
import type { SavedInverse } from '../contract.js';
import type { TapeFreeRule } from '../registry.js';

/** The density pass of the forward permutation `forward(x)[:, i] = x[:, perm[i]]`. */
function permutationInverse(perm: readonly number[], y: tf.Tensor2D): SavedInverse {
  const inverse = new Array<number>(perm.length);
  perm.forEach((p, i) => (inverse[p] = i));
  return {
    output: takeColumns(y, inverse),
    logDet: null,
    backward: (dOutput, _dLogDet, _sink, needInput) => (needInput ? takeColumns(dOutput, perm) : null),
  };
}

export const permuteRule: TapeFreeRule<Permute> = {
  unsupported: () => null,
  inverse: (b, y) => permutationInverse(b.permutation, y),
};

export const reverseRule: TapeFreeRule<Reverse> = {
  unsupported: () => null,
  inverse: (_b, y) => {
    const d = y.shape[1];
    return permutationInverse(Array.from({ length: d }, (_, i) => d - 1 - i), y);
  },
};
