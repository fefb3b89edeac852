/**
 * Adam as one JavaScript loop over all variables, instead of about a dozen TF.js ops per variable
 * (`tf.train.adam` costs 1–2 ms per step for the benchmark flows, dispatch overhead almost entirely).
 *
 * The update's arithmetic (bit for bit `tf.train.adam`'s, with subnormal moments flushed to 0) and its
 * kernels are in kernels/adam.ts.
 *
 * Where the weights go: on wasm with SIMD, over the old values where the variable alone holds its
 * memory (wasm's cached matMul packings of that memory are dropped, see `adamUpdateSimd`), else in a
 * fresh tensor that is assigned. On cpu the new weights come from a JavaScript kernel (reads weights
 * and gradients where they live, writes a fresh output: no copies through `dataSync`). `adam()` picks
 * this optimiser on cpu and wasm only (elsewhere `tf.train.adam`, on the device); the `dataSync` branch
 * below runs only when a test forces `useKernel: false` on cpu or wasm, where the read is a memory copy.
 * Either way no other tensor ever sees its values change.
 */
import { tf } from '../backend.js';
import { ADAM_UPDATE, type AdamConstants, adamUpdate, adamUpdateKernel, adamUpdateSimd } from '../kernels/adam.js';
import { hasKernelForActiveBackend } from '../kernels/js-kernel.js';
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
 * `useKernel: false` forces the `dataSync` path that backends without the kernel take (for tests).
 */
export function fusedAdamOptimizer(beta1: number, beta2: number, epsilon: number, useKernel = true, useSimd = true): Optimizer {
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
      const k: AdamConstants = { b1, c1, b2, c2, d1, d2, eps, negLr };
      // Slots by position, as tf.train.adam keeps them.
      const slotOf = (i: number): Slot => (slots[i] ??= { variable: variables[i].name, m: new Float32Array(variables[i].size), v: new Float32Array(variables[i].size) });
      if (useKernel && hasKernelForActiveBackend(ADAM_UPDATE)) {
        tf.tidy(() => {
          const state = variables.map((_, i) => slotOf(i));
          // On wasm the SIMD kernel, all variables in one dispatch (bit-identical), else the JavaScript one.
          const simd = useSimd ? adamUpdateSimd(variables, grads, state.map((s) => s.m), state.map((s) => s.v), k) : null;
          variables.forEach((variable, i) => {
            if (simd) {
              // null: updated in place (the variable alone held that memory).
              if (simd[i]) variable.assign(simd[i]!);
              return;
            }
            variable.assign(adamUpdateKernel(variable, grads[i], state[i].m, state[i].v, k));
          });
        });
      } else {
        // Tests only (useKernel: false, on cpu/wasm: host memory, so the synchronous read is a copy).
        // Every value is read before any tensor is made.
        const updated = variables.map((variable, i) => {
          const { m, v } = slotOf(i);
          const out = new Float32Array(variable.size);
          adamUpdate(variable.dataSync() as Float32Array, grads[i].dataSync() as Float32Array, m, v, out, k);
          return out;
        });
        tf.tidy(() => variables.forEach((variable, i) => variable.assign(tf.tensor(updated[i], variable.shape, 'float32'))));
      }
      accBeta1 = f32(accBeta1 * b1);
      accBeta2 = f32(accBeta2 * b2);
      iterations++;
    },
    async getState(): Promise<OptimizerState> {
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
