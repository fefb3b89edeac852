/**
 * The rational-quadratic spline composed from stock TF.js ops: the path for backends without the
 * fused JavaScript kernels (`tensorflow` via tfjs-node, `webgl`, `webgpu`). Same conventions and
 * same rewritten formulas as `rq-spline-math.ts`, in float32 and differentiated by the tape.
 *
 * Built around the measured gradient traps: per-bin values are picked with a one-hot mask made from
 * comparisons (no `gather`, whose gradient is missing on wasm; no integer indices, which break the
 * tape), and the spline is evaluated at the input clamped into [−B, B] so that the branch `where`
 * discards never produces an infinite or NaN gradient.
 */
import { tf } from '../backend.js';
import { type SplineConfig, derivativeCount, identityShift } from './rq-spline-math.js';

/** Knots [n, K + 1] on [lo, hi] from unnormalised sizes [n, K] (nflows: ends forced). */
function knotsOps(u: tf.Tensor2D, minBin: number, lo: number, hi: number): tf.Tensor2D {
  const [n, K] = u.shape;
  const sizes = tf.add(minBin, tf.mul(1 - minBin * K, tf.softmax(u)));
  const inner = tf.add(lo, tf.mul(hi - lo, tf.slice(tf.cumsum(sizes, 1), [0, 0], [n, K - 1])));
  return tf.concat([tf.fill([n, 1], lo), inner, tf.fill([n, 1], hi)], 1) as tf.Tensor2D;
}

/** Derivatives at the K + 1 knots, [n, K + 1]. */
function derivativesOps(u: tf.Tensor2D, cfg: SplineConfig, n: number): tf.Tensor2D {
  let d: tf.Tensor2D;
  if (cfg.identityAtZero) {
    const c = identityShift(cfg.minDerivative);
    // softplus(u + c) − softplus(c), both computed elementwise at the same positions, is exactly 0 at u = 0.
    d = tf.add(1, tf.sub(tf.softplus(tf.add(u, c)), tf.softplus(tf.fill(u.shape, c)))) as tf.Tensor2D;
  } else {
    d = tf.add(cfg.minDerivative, tf.softplus(u)) as tf.Tensor2D;
  }
  if (cfg.tails === 'none') return d;
  const one = tf.ones([n, 1]);
  return tf.concat([one, d, one], 1) as tf.Tensor2D;
}

/** Apply the spline to `x` [n] with parameters [n, K], [n, K], [n, Kd]; returns outputs and logDet [n]. */
export function splineOps(cfg: SplineConfig, inverse: boolean, x: tf.Tensor, uw: tf.Tensor, uh: tf.Tensor, ud: tf.Tensor): [tf.Tensor, tf.Tensor] {
  return tf.tidy(() => {
    const n = x.size;
    const K = cfg.bins;
    const B = cfg.bound;
    const xf = tf.reshape(x, [n, 1]);
    const cw = knotsOps(tf.reshape(uw, [n, K]), cfg.minBinWidth, -B, B);
    const ch = knotsOps(tf.reshape(uh, [n, K]), cfg.minBinHeight, -B, B);
    const d = derivativesOps(tf.reshape(ud, [n, derivativeCount(cfg)]), cfg, n);

    const xc = tf.clipByValue(xf, -B, B);
    // One-hot bin mask from comparisons: ge_j = [v ≥ knot_j] for j = 1..K−1 (non-increasing in j).
    const ge = tf.cast(tf.greaterEqual(xc, tf.slice(inverse ? ch : cw, [0, 1], [n, K - 1])), 'float32');
    const oneHot = tf.sub(tf.concat([tf.ones([n, 1]), ge], 1), tf.concat([ge, tf.zeros([n, 1])], 1));
    const pick = (m: tf.Tensor) => tf.sum(tf.mul(oneHot, m), 1, true);
    const left = (m: tf.Tensor2D) => tf.slice(m, [0, 0], [n, K]);
    const right = (m: tf.Tensor2D) => tf.slice(m, [0, 1], [n, K]);
    const xk = pick(left(cw));
    const wk = pick(tf.sub(right(cw), left(cw)));
    const yk = pick(left(ch));
    const hk = pick(tf.sub(right(ch), left(ch)));
    const dk = pick(left(d));
    const dk1 = pick(right(d));
    const delta = tf.div(hk, wk);
    const c = tf.sub(tf.add(dk, dk1), tf.mul(2, delta));

    const logDetAt = (t: tf.Tensor) => {
      const s = tf.mul(t, tf.sub(1, t));
      const den = tf.add(delta, tf.mul(c, s));
      const omt = tf.sub(1, t);
      const p = tf.add(delta, tf.add(tf.mul(tf.sub(dk1, delta), tf.square(t)), tf.mul(tf.sub(dk, delta), tf.square(omt))));
      return tf.sub(tf.add(tf.mul(2, tf.log(delta)), tf.log(p)), tf.mul(2, tf.log(den)));
    };

    let out: tf.Tensor;
    let ld: tf.Tensor;
    if (!inverse) {
      const t = tf.div(tf.sub(xc, xk), wk);
      const s = tf.mul(t, tf.sub(1, t));
      const den = tf.add(delta, tf.mul(c, s));
      const e = tf.add(tf.mul(tf.mul(delta, tf.sub(delta, 1)), t), tf.mul(s, tf.sub(tf.sub(tf.mul(delta, dk), tf.square(delta)), tf.mul(t, c))));
      out = tf.add(tf.add(xc, tf.sub(yk, xk)), tf.div(tf.mul(wk, e), den));
      ld = logDetAt(t);
    } else {
      const dv = tf.sub(xc, yk);
      const a = tf.add(tf.mul(hk, tf.sub(delta, dk)), tf.mul(dv, c));
      const b = tf.sub(tf.mul(hk, dk), tf.mul(dv, c));
      const sq = tf.sqrt(tf.relu(tf.add(tf.square(b), tf.mul(4, tf.mul(a, tf.mul(delta, dv))))));
      const bs = tf.add(b, sq);
      const root = tf.clipByValue(tf.div(tf.mul(2, tf.mul(delta, dv)), bs), 0, 1);
      out = tf.add(tf.add(xc, tf.sub(xk, yk)), tf.div(tf.mul(dv, tf.sub(tf.sub(tf.mul(2, hk), b), sq)), bs));
      ld = tf.sub(0, logDetAt(root)); // +0, not −0, for an identity bin
    }

    // Masks only from GreaterEqual: LessEqual, Less and Greater have no registered gradient, and the
    // tape walks through a mask computed from x. Equality at ±B is harmless: both branches agree there.
    if (cfg.tails === 'linear') {
      const inside = tf.greaterEqual(B, tf.abs(xf));
      out = tf.where(inside, out, xf);
      ld = tf.where(inside, ld, tf.zerosLike(ld));
    } else {
      // Outside [−B, B]: continue linearly with the boundary derivative.
      const below = tf.greaterEqual(-B, xf);
      const above = tf.greaterEqual(xf, B);
      const tail = (edge: number, de: tf.Tensor) =>
        inverse ? [tf.add(edge, tf.div(tf.sub(xf, edge), de)), tf.neg(tf.log(de))] : [tf.add(edge, tf.mul(de, tf.sub(xf, edge))), tf.log(de)];
      const [lowOut, lowLd] = tail(-B, tf.slice(d, [0, 0], [n, 1]));
      const [highOut, highLd] = tail(B, tf.slice(d, [0, K], [n, 1]));
      out = tf.where(below, lowOut, tf.where(above, highOut, out));
      ld = tf.where(below, lowLd, tf.where(above, highLd, ld));
    }
    return [tf.reshape(out, x.shape), tf.reshape(ld, x.shape)];
  });
}
