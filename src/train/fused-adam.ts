/**
 * Adam as one JavaScript loop over all variables, instead of about a dozen TF.js ops per variable
 * (`tf.train.adam` costs 1–2 ms per step for the benchmark flows, dispatch overhead almost entirely).
 *
 * Every arithmetic step is rounded to float32 with `Math.fround` in the order `tf.train.adam` applies
 * its ops. A float32 add, multiply, divide or square root computed in float64 and then rounded once is
 * the correctly rounded float32 result (53 ≥ 2·24 + 2: double rounding is innocuous for these ops), so
 * the updates equal those of `tf.train.adam` on a backend with IEEE float32 kernels (wasm, cpu), bit
 * for bit, and checkpoints are interchangeable between the two.
 *
 * Weights are written back by assigning new tensors, never by writing backend memory in place: wasm
 * caches XNNPACK operators with packed weights keyed by the tensor's data id, and an in-place write
 * would leave matMul using the stale packed weights.
 */
import { tf } from '../backend.js';
import type { Optimizer, OptimizerState } from './optimizer.js';
import { checkAdamState } from './adam-state.js';

const f32 = Math.fround;

interface Slot {
  /** The TF.js name of the variable this slot belongs to. */
  variable: string;
  m: Float32Array;
  v: Float32Array;
}

/**
 * A fused Adam with validated constants (see `adam` in optimizer.ts, which validates and chooses).
 * State is held in JavaScript `Float32Array`s, not tensors, so it costs no tensor and no op.
 */
export function fusedAdamOptimizer(beta1: number, beta2: number, epsilon: number): Optimizer {
  // The constants as TF.js turns them into float32 scalars (`1 - beta1` is computed in float64 first).
  const b1 = f32(beta1);
  const b2 = f32(beta2);
  const c1 = f32(1 - beta1);
  const c2 = f32(1 - beta2);
  const eps = f32(epsilon);
  let accBeta1 = b1;
  let accBeta2 = b2;
  let iterations = 0;
  let slots: Slot[] = [];

  return {
    name: 'adam',
    applyGradients(variables, grads, learningRate) {
      const negLr = f32(-learningRate);
      const d1 = f32(1 - accBeta1);
      const d2 = f32(1 - accBeta2);
      const updated: Float32Array[] = [];
      for (let i = 0; i < variables.length; i++) {
        const variable = variables[i];
        const n = variable.size;
        // Slots by position, as tf.train.adam keeps them.
        const slot = (slots[i] ??= { variable: variable.name, m: new Float32Array(n), v: new Float32Array(n) });
        const g = grads[i].dataSync() as Float32Array;
        const w = variable.dataSync() as Float32Array;
        const { m, v } = slot;
        const out = new Float32Array(n);
        for (let j = 0; j < n; j++) {
          const gj = g[j];
          const mj = f32(f32(m[j] * b1) + f32(gj * c1));
          const vj = f32(f32(v[j] * b2) + f32(f32(gj * gj) * c2));
          m[j] = mj;
          v[j] = vj;
          const mHat = f32(mj / d1);
          const vHat = f32(vj / d2);
          out[j] = f32(f32(f32(mHat / f32(f32(Math.sqrt(vHat)) + eps)) * negLr) + w[j]);
        }
        updated.push(out);
      }
      tf.tidy(() => variables.forEach((variable, i) => variable.assign(tf.tensor(updated[i], variable.shape, 'float32'))));
      accBeta1 = f32(accBeta1 * b1);
      accBeta2 = f32(accBeta2 * b2);
      iterations++;
    },
    getState(): OptimizerState {
      return {
        name: 'adam',
        scalars: { iterations, accBeta1, accBeta2 },
        slots: slots.map((s) => ({ variable: s.variable, values: { m: s.m.slice(), v: s.v.slice() } })),
      };
    },
    setState(state) {
      checkAdamState('adam.setState', state);
      ({ iterations } = state.scalars);
      accBeta1 = f32(state.scalars.accBeta1);
      accBeta2 = f32(state.scalars.accBeta2);
      slots = state.slots.map((s) => ({ variable: s.variable, m: s.values.m.slice(), v: s.values.v.slice() }));
    },
    dispose() {
      slots = [];
    },
  };
}
