import { tf } from '../backend.js';
import { type Energy, energy } from './energy.js';

const MODES = 8;
const SCALE = (2 / 3) * Math.sin(Math.PI / MODES);
const CENTRES = Array.from({ length: MODES }, (_, k) => [2 * Math.sin((2 * Math.PI * k) / MODES), 2 * Math.cos((2 * Math.PI * k) / MODES)]);

/**
 * A ring of eight Gaussians (normflows' `CircularGaussianMixture`, left unnormalised):
 * log p̃(z) = log Σₖ exp(−‖z − μₖ‖² / (2σ²)), μₖ = 2 (sin 2πk/8, cos 2πk/8), σ = (2/3) sin(π/8) ≈ 0.255.
 * Its log Z is known exactly, log(8 · 2πσ²) ≈ 1.185294034013392, which the quadrature reproduces
 * to 2e-16: a check on the quadrature itself.
 */
export const ringOfEight: Energy = energy(
  'ringOfEight',
  (z1, z2) => {
    const d = CENTRES.map(([a, b]) => tf.add(tf.square(tf.sub(z1, a)), tf.square(tf.sub(z2, b))));
    return tf.logSumExp(tf.mul(-1 / (2 * SCALE * SCALE), tf.stack(d, 1)), 1);
  },
  { logZ: 1.1852940340133917, logZError: 1e-12, box: [[-5, 5], [-5, 5]], grid: [1001, 1001] },
);
