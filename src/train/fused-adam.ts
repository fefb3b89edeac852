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
 * One deliberate difference: a new moment `m` or `v` smaller than 2⁻¹²⁶ (a float32 subnormal) is
 * stored as 0, as TensorFlow's own CPU kernels do (they run with flush-to-zero). Moments of weights
 * whose gradient stays 0 (dead ReLU units) decay through the subnormal range, and subnormal arithmetic
 * takes a slow path in x86 processors: about 1,000 such values made the benchmark RealNVP's update
 * 2.5× slower. Through `m`, a weight's update changes by at most lr·2⁻¹²⁶/((1 − β₁)·ε) (1.2e-29 at
 * the defaults and lr = 1), which moves no weight larger than about 2e-22 in magnitude; through `v`,
 * not at all for ε ≥ 1e-10 (√v̂ then stays below half an ulp of ε). Tested against `tf.train.adam`
 * through such a decay.
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
import { runKernel } from '../kernels/dispatch.js';
import { hasKernelForActiveBackend, registerJsKernel } from '../kernels/js-kernel.js';
import type { Optimizer, OptimizerState } from './optimizer.js';
import { checkAdamState } from './adam-state.js';
import { type AdamConstants, adamUpdateSimd } from '../kernels/simd/simd-ops.js';

const f32 = Math.fround;

/** One step's float32 constants, rounded as TF.js rounds its scalars (`d1`, `d2`: the bias corrections `1 − βᵗ`). */
type StepConstants = AdamConstants;

/** The smallest normal float32, 2⁻¹²⁶. */
const MIN_NORMAL = 2 ** -126;

/** `x`, or +0 where `x` is a float32 subnormal (NaN stays). */
const flushSubnormal = (x: number): number => (Math.abs(x) < MIN_NORMAL ? 0 : x);

/** Updates `m`, `v` in place and writes the new weights to `out`, in `tf.train.adam`'s op order. */
function adamUpdate(w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, out: Float32Array, k: StepConstants): void {
  const { b1, c1, b2, c2, d1, d2, eps, negLr } = k;
  for (let j = 0; j < w.length; j++) {
    const gj = g[j];
    const mj = flushSubnormal(f32(f32(m[j] * b1) + f32(gj * c1)));
    const vj = flushSubnormal(f32(f32(v[j] * b2) + f32(f32(gj * gj) * c2)));
    m[j] = mj;
    v[j] = vj;
    const mHat = f32(mj / d1);
    const vHat = f32(vj / d2);
    out[j] = f32(f32(f32(mHat / f32(f32(Math.sqrt(vHat)) + eps)) * negLr) + w[j]);
  }
}

/** Kernel name of one variable's update (inputs `w`, `g`; attrs: `m`, `v` updated in place, constants). */
const ADAM_UPDATE = 'TfjsFlowsAdamUpdate';
let registered = false;

function ensureAdamKernel(): void {
  if (registered) return;
  registered = true;
  registerJsKernel({
    kernelName: ADAM_UPDATE,
    inputNames: ['w', 'g'],
    outputShapes: ([w]) => [w],
    compute: ([w, g], [out], attrs) => {
      const a = attrs as unknown as { m: Float32Array; v: Float32Array; k: StepConstants };
      adamUpdate(w, g, a.m, a.v, out, a.k);
    },
  });
}

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
  ensureAdamKernel();
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
      const k: StepConstants = { b1, c1, b2, c2, d1, d2, eps, negLr };
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
            const attrs = { m: state[i].m, v: state[i].v, k } as unknown as tf.NamedAttrMap;
            variable.assign((runKernel(ADAM_UPDATE, { w: variable, g: grads[i] }, attrs) as tf.Tensor[])[0]);
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
