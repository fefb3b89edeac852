import { describe, expect, it } from 'vitest';
import { Rng, tf } from '../../src/index.js';
import { type SplinePath, rqSplineWithPath } from '../../src/transformers/rq-spline.js';
import { KERNEL_BACKENDS, useBackend } from '../helpers/backends.js';
import { type RefSplineOptions, refSplineGrad, row } from '../helpers/rq-spline-ref.js';

const K = 5;
const B = 3;

interface Problem {
  x: number[];
  w: number[];
  h: number[];
  d: number[];
  /** Loss weights: L = Σ a·outputs + Σ b·logDet. */
  a: number[];
  b: number[];
  kd: number;
}

/** Random float32-representable problem; `xs` overrides the inputs. */
function problem(seed: string, n: number, tails: 'linear' | 'none', scale: number, xs?: number[]): Problem {
  const rng = new Rng(seed);
  const kd = tails === 'linear' ? K - 1 : K + 1;
  const draw = (m: number, s: number) => Array.from({ length: m }, () => Math.fround(s * rng.normal()));
  const x = xs ? xs.map(Math.fround) : Array.from({ length: n }, () => Math.fround((2 * rng.uniform() - 1) * (B - 0.05)));
  const m = x.length;
  return { x, w: draw(m * K, scale), h: draw(m * K, scale), d: draw(m * kd, scale), a: draw(m, 1), b: draw(m, 1), kd };
}

/** Gradients of L w.r.t. [inputs, widths, heights, derivatives], flattened. */
function tapeGrads(path: SplinePath, p: Problem, tails: 'linear' | 'none', inverse: boolean): Float32Array[] {
  const m = p.x.length;
  return tf.tidy(() => {
    const args = [tf.tensor1d(p.x), tf.tensor2d(p.w, [m, K]), tf.tensor2d(p.h, [m, K]), tf.tensor2d(p.d, [m, p.kd])];
    const a = tf.tensor1d(p.a);
    const b = tf.tensor1d(p.b);
    const g = tf.grads((x: tf.Tensor, w: tf.Tensor, h: tf.Tensor, d: tf.Tensor) => {
      const r = rqSplineWithPath(path, x, w, h, d, { tails, inverse, tailBound: B });
      return tf.add(tf.sum(tf.mul(a, r.outputs)), tf.sum(tf.mul(b, r.logDet)));
    })(args);
    return g.map((t) => t.dataSync() as Float32Array);
  });
}

/** Finite-difference gradients of the float64 reference, flattened like `tapeGrads`. */
function refGrads(p: Problem, tails: 'linear' | 'none', inverse: boolean): number[][] {
  const o: RefSplineOptions = { tails, bound: B };
  const out: number[][] = [[], [], [], []];
  p.x.forEach((x, i) => {
    const g = refSplineGrad(x, row(p.w, i, K), row(p.h, i, K), row(p.d, i, p.kd), o, inverse, p.a[i], p.b[i]);
    out[0].push(g.x);
    out[1].push(...g.w);
    out[2].push(...g.h);
    out[3].push(...g.d);
  });
  return out;
}

/** max |got − want| / (1 + |want|). */
function relErr(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < want.length; i++) m = Math.max(m, Math.abs(got[i] - want[i]) / (1 + Math.abs(want[i])));
  return m;
}

const NAMES = ['inputs', 'widths', 'heights', 'derivatives'];
const settings = (['linear', 'none'] as const).flatMap((tails) => [false, true].map((inverse) => ({ tails, inverse, label: `${tails} tails, ${inverse ? 'inverse' : 'forward'}` })));

describe.each(KERNEL_BACKENDS)('rqSpline gradients on %s', (backend) => {
  useBackend(backend);

  describe.each(settings)('$label', ({ tails, inverse }) => {
    // Inputs inside [−B, B], plus (for the tails) points outside, where only the tails act.
    const inside = problem(`grad:${tails}:${inverse}`, 40, tails, 1.5);
    const outside = problem(`grad-out:${tails}:${inverse}`, 0, tails, 1.5, [-7, -3.5, 3.25, 9]);

    it('fused gradients w.r.t. inputs and all three parameter tensors match float64 finite differences', () => {
      // Central differences (h = 1e-6) of the float64 reference at the same float32 inputs are good to
      // ~1e-9 relative; the kernel's float64 gradients are stored in float32 (measured ≤ 5e-8).
      for (const p of [inside, outside]) {
        const got = tapeGrads('fused', p, tails, inverse);
        const want = refGrads(p, tails, inverse);
        got.forEach((g, i) => expect(relErr(g, want[i]), NAMES[i]).toBeLessThan(1e-6));
      }
    });

    it('op-composed autodiff gradients agree with the fused ones (float32 tolerance)', () => {
      // The op-composed path differentiates float32 arithmetic: measured ≤ 3.3e-5 relative here.
      for (const p of [inside, outside]) {
        const fused = tapeGrads('fused', p, tails, inverse);
        const ops = tapeGrads('ops', p, tails, inverse);
        fused.forEach((g, i) => expect(relErr(ops[i], g), NAMES[i]).toBeLessThan(2e-4));
      }
    });

    it('the finite-difference check can fail: a perturbed loss weight is caught', () => {
      const p = { ...inside, b: inside.b.map((v, i) => (i === 0 ? v + 0.1 : v)) };
      const got = tapeGrads('fused', p, tails, inverse);
      const want = refGrads(inside, tails, inverse);
      expect(Math.max(...got.map((g, i) => relErr(g, want[i])))).toBeGreaterThan(1e-4);
    });
  });

  describe.each(['fused', 'ops'] as const)('%s path: finite gradients at the hard cases', (path) => {
    const hard: [string, number[], number][] = [
      ['inputs exactly at ±B', [-B, B, -B, B, 0], 1.5],
      ['the whole batch in the tails', [-100, -3.5, 3.5, 4, 1e5], 1.5],
      ['parameters of magnitude 50', [-2.9, -1, 0, 0.5, 2.99, -B, B], 50],
      ['a float32 step outside and inside ±B', [-B - 2 ** -22, B + 2 ** -22, -B + 2 ** -22, B - 2 ** -22], 1.5],
    ];
    for (const [label, xs, scale] of hard) {
      it(label, () => {
        for (const tails of ['linear', 'none'] as const) {
          for (const inverse of [false, true]) {
            const p = problem(`hard:${label}`, 0, tails, scale, xs);
            const g = tapeGrads(path, p, tails, inverse);
            g.forEach((v, i) => expect(Array.from(v).every(Number.isFinite), `${tails} ${inverse} ${NAMES[i]}`).toBe(true));
          }
        }
      });
    }
  });
});
