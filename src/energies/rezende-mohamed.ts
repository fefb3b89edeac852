/**
 * The four test energies of Rezende & Mohamed (2015), Table 1, as log p̃ = −U, with
 * w₁(z) = sin(2πz₁/4), w₂(z) = 3 exp(−½((z₁ − 1)/0.6)²), w₃(z) = 3 σ((z₁ − 1)/0.3).
 *
 * U2–U4 depend on z₁ only through bounded wᵢ, so exp(−U) is not integrable over z₁ ∈ ℝ: the paper
 * shows them on [−4, 4]². We add a smooth confining wall outside |z₁| = 4,
 * `wall(z₁) = ½ ((ρ(z₁ − 4) + ρ(−z₁ − 4)) / 0.25)²` with the softened ramp `ρ(t) = 0.1 softplus(t/0.1)`:
 * below 3e-4 inside |z₁| ≤ 3.7 (the paper's shapes are unchanged there) and Gaussian-like, width 0.25,
 * beyond ±4. U1 is integrable and used as published.
 */
import { tf } from '../backend.js';
import { type Energy, energy, gaussianLog, logAddExp } from './energy.js';

const w1 = (z1: tf.Tensor) => tf.sin(tf.mul(Math.PI / 2, z1));
const w2 = (z1: tf.Tensor) => tf.mul(3, tf.exp(gaussianLog(tf.sub(z1, 1), 0.6)));
const w3 = (z1: tf.Tensor) => tf.mul(3, tf.sigmoid(tf.div(tf.sub(z1, 1), 0.3)));

/** ½ ((ρ(z₁ − 4) + ρ(−z₁ − 4)) / 0.25)², ρ(t) = 0.1 softplus(t / 0.1). */
function wall(z1: tf.Tensor): tf.Tensor {
  const ramp = (t: tf.Tensor) => tf.mul(0.1, tf.softplus(tf.mul(10, t)));
  return tf.neg(gaussianLog(tf.add(ramp(tf.sub(z1, 4)), ramp(tf.sub(-4, z1))), 0.25));
}

/** U1(z) = ½ ((‖z‖ − 2)/0.4)² − log(e^{−½((z₁−2)/0.6)²} + e^{−½((z₁+2)/0.6)²}): a ring cut into two arcs. */
export const u1: Energy = energy(
  'u1',
  (z1, z2) => {
    const r = tf.sqrt(tf.add(tf.square(z1), tf.square(z2)));
    return tf.add(gaussianLog(tf.sub(r, 2), 0.4), logAddExp(gaussianLog(tf.sub(z1, 2), 0.6), gaussianLog(tf.add(z1, 2), 0.6)));
  },
  { logZ: 1.8775016261096953, logZError: 1e-12, box: [[-6, 6], [-6, 6]], grid: [1201, 1201] },
);

/** U2(z) = ½ ((z₂ − w₁(z))/0.4)² (+ the wall): a sine band. */
export const u2: Energy = energy(
  'u2',
  (z1, z2) => tf.sub(gaussianLog(tf.sub(z2, w1(z1)), 0.4), wall(z1)),
  { logZ: 2.1541552200520595, logZError: 1e-12, box: [[-7, 7], [-8, 8]], grid: [1401, 1601] },
);

/** U3(z) = −log(e^{−½((z₂ − w₁)/0.35)²} + e^{−½((z₂ − w₁ + w₂)/0.35)²}) (+ the wall): a sine band that splits. */
export const u3: Energy = energy(
  'u3',
  (z1, z2) => {
    const d = tf.sub(z2, w1(z1));
    return tf.sub(logAddExp(gaussianLog(d, 0.35), gaussianLog(tf.add(d, w2(z1)), 0.35)), wall(z1));
  },
  { logZ: 2.713771007987482, logZError: 1e-12, box: [[-7, 7], [-8, 8]], grid: [1401, 1601] },
);

/** U4(z) = −log(e^{−½((z₂ − w₁)/0.4)²} + e^{−½((z₂ − w₁ + w₃)/0.35)²}) (+ the wall): two sine bands joined by a step. */
export const u4: Energy = energy(
  'u4',
  (z1, z2) => {
    const d = tf.sub(z2, w1(z1));
    return tf.sub(logAddExp(gaussianLog(d, 0.4), gaussianLog(tf.add(d, w3(z1)), 0.35)), wall(z1));
  },
  { logZ: 2.782763879474434, logZError: 1e-12, box: [[-7, 7], [-8, 8]], grid: [1401, 1601] },
);
