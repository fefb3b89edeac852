/**
 * MADE on the degree-sorted SIMD kernels (kernels/made.ts), on wasm: the inference forward equals
 * the op-composed network (the tape path) within float32 rounding, with and without context and
 * for any ordering; a sampling pass `applyPass(x, ctx, k)` gives exactly the parameters of
 * `ordering[0 … k]` that `apply` gives (and is cheaper); the backward equals `tf.variableGrads`
 * including `needInput` false, for batches of any size (a ragged one runs with zero rows added); the
 * plan's heap buffers leave the tensor count flat.
 */
import { describe, expect, it } from 'vitest';
import { MADE, Rng, tf } from '../../src/index.js';
import { GradientSink } from '../../src/nn/backward.js';
import { setMadeKernelsEnabled } from '../../src/kernels/made.js';
import { useBackend } from '../helpers/backends.js';

function perturbed(made: MADE, seed: number): MADE {
  const r = new Rng(seed);
  tf.tidy(() => {
    for (const v of made.trainableVariables) v.assign(tf.add(v, tf.tensor(r.normals(v.size).map((z) => 0.1 * z), v.shape)));
  });
  return made;
}

const CASES = [
  { dim: 8, P: 2, hidden: [136, 128], ctx: 0, ordering: undefined, B: 132 },
  { dim: 7, P: 5, hidden: [20, 27], ctx: 2, ordering: [3, 0, 6, 1, 5, 2, 4], B: 37 },
  { dim: 43, P: 2, hidden: [96, 96], ctx: 0, ordering: undefined, B: 15 },
  { dim: 3, P: 3, hidden: [9], ctx: 1, ordering: [2, 1, 0], B: 8 },
];

describe('MADE on the SIMD kernels (wasm)', () => {
  useBackend('wasm');
  for (const c of CASES) {
    const name = `dim ${c.dim}, P ${c.P}, hidden ${c.hidden}, context ${c.ctx}, ordering ${c.ordering ? 'permuted' : 'identity'}`;
    it(`${name}: forward, sampling passes and backward equal the op-composed network`, () => {
      const made = perturbed(new MADE(c.dim, c.P, { hidden: c.hidden, contextDim: c.ctx, ordering: c.ordering, seed: 3 }), 4);
      const r = new Rng(5);
      const x = tf.tensor2d(r.normals(c.B * c.dim).map((z) => 0.2 + 1.5 * z), [c.B, c.dim]);
      const ctx = c.ctx ? tf.tensor2d(r.normals(c.B * c.ctx), [c.B, c.ctx]) : null;
      const R = tf.tensor2d(r.normals(c.B * c.dim * c.P), [c.B, c.dim * c.P]);
      // Reference: the per-layer ops under a tape (the kernels run only where no gradient is recorded).
      let reference = new Float32Array();
      const tape = tf.variableGrads(() => {
        const out = tf.reshape(made.apply(x, ctx), [c.B, c.dim * c.P]);
        reference = out.dataSync() as Float32Array;
        return tf.sum(tf.mul(out, R)) as tf.Scalar;
      }, made.trainableVariables);
      const scale = Math.max(...reference.map(Math.abs));
      expect(scale).toBeGreaterThan(0);
      const fast = tf.tidy(() => made.apply(x, ctx)).dataSync();
      expect(Math.max(...fast.map((v, i) => Math.abs(v - reference[i])))).toBeLessThanOrEqual(1e-5 * scale);
      // Sampling pass k: the parameters of ordering[0 … k] exactly as apply's.
      const ordering = c.ordering ?? Array.from({ length: c.dim }, (_, i) => i);
      for (const k of [0, 1, Math.floor(c.dim / 2), c.dim - 2, c.dim - 1].filter((v) => v >= 0)) {
        const before = tf.memory().numTensors;
        const pass = tf.tidy(() => made.applyPass(x, ctx, k));
        expect(tf.memory().numTensors).toBe(before + 1);
        const p = pass.dataSync();
        pass.dispose();
        for (const d of ordering.slice(0, k + 1)) {
          for (let row = 0; row < c.B; row++) {
            for (let q = 0; q < c.P; q++) {
              const i = row * c.dim * c.P + d * c.P + q;
              expect(Math.abs(p[i] - fast[i]), `pass ${k}, dim ${d}`).toBeLessThanOrEqual(1e-6 * scale);
            }
          }
        }
      }
      // Backward, with and without the input's adjoint.
      for (const needInput of [true, false]) {
        const sink = new GradientSink();
        const before = tf.memory().numTensors;
        const grads = tf.tidy(() => {
          const pass = made.applyWithBackward(x, ctx);
          const dx = pass.backward(R, sink, needInput);
          expect(dx === null).toBe(!needInput);
          if (dx) expect(dx.shape).toEqual([c.B, c.dim]);
          return Object.values(sink.toMap());
        });
        const byName = sink.toMap();
        for (const v of made.trainableVariables) {
          const a = tape.grads[v.name].dataSync();
          const b = byName[v.name].dataSync();
          const s = Math.max(...a.map(Math.abs));
          expect(Math.max(...a.map((q, i) => Math.abs(q - b[i]))), v.name).toBeLessThanOrEqual(2e-5 * s);
        }
        tf.dispose(grads);
        expect(tf.memory().numTensors).toBe(before);
      }
      tf.dispose([x, R, tape.value, ...Object.values(tape.grads), ...(ctx ? [ctx] : [])]);
      made.dispose();
    });
  }

  it('the kernels can be turned off (the per-layer path then runs, with the same values)', () => {
    const made = perturbed(new MADE(5, 2, { hidden: [16, 16], seed: 1 }), 2);
    const x = tf.tensor2d(new Rng(3).normals(20), [4, 5]);
    const on = tf.tidy(() => made.apply(x, null)).dataSync();
    setMadeKernelsEnabled(false);
    try {
      const off = tf.tidy(() => made.apply(x, null)).dataSync();
      expect(Math.max(...off.map((v, i) => Math.abs(v - on[i])))).toBeLessThan(1e-5);
    } finally {
      setMadeKernelsEnabled(true);
    }
    x.dispose();
    made.dispose();
  });
});
