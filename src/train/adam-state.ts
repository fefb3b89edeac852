/** Validation of an Adam {@link OptimizerState} before either Adam implementation restores it. */
import { tf } from '../backend.js';
import { ValidationError } from '../errors.js';
import type { OptimizerState } from './optimizer.js';

/**
 * Check that `state` is an Adam state whose slots name live variables and hold `m` and `v` of their
 * sizes; returns the variables' shapes in slot order. Throws a `ValidationError` from `fn` otherwise.
 */
export function checkAdamState(fn: string, state: OptimizerState): number[][] {
  if (state?.name !== 'adam') throw new ValidationError(fn, 'state.name', '"adam"', String(state?.name));
  const { iterations, accBeta1, accBeta2 } = state.scalars;
  for (const [k, v] of Object.entries({ iterations, accBeta1, accBeta2 })) {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new ValidationError(fn, `state.scalars.${k}`, 'a finite number', String(v));
  }
  return state.slots.map((slot, i) => {
    const variable = tf.engine().registeredVariables[slot.variable];
    if (!variable) throw new ValidationError(fn, `state.slots[${i}].variable`, 'the name of a live variable', JSON.stringify(slot.variable));
    for (const k of ['m', 'v']) {
      if (!(slot.values[k] instanceof Float32Array) || slot.values[k].length !== variable.size) {
        throw new ValidationError(fn, `state.slots[${i}].values.${k}`, `a Float32Array of ${variable.size} values`, String(slot.values[k]?.length));
      }
    }
    return variable.shape;
  });
}
