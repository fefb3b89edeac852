import { tf } from '../backend.js';
import { type Energy, energy, gaussianLog, logAddExp } from './energy.js';

/**
 * Two moons (normflows' `TwoMoons`): log p̃(z) = −½ ((‖z‖ − 2)/0.2)² + log(e^{−½((z₁−2)/0.3)²} + e^{−½((z₁+2)/0.3)²}),
 * a thin ring of radius 2 keeping two arcs around z₁ = ±2. (U1's shape, twice as narrow.)
 */
export const twoMoons: Energy = energy(
  'twoMoons',
  (z1, z2) => {
    const r = tf.sqrt(tf.add(tf.square(z1), tf.square(z2)));
    return tf.add(gaussianLog(tf.sub(r, 2), 0.2), logAddExp(gaussianLog(tf.sub(z1, 2), 0.3), gaussianLog(tf.add(z1, 2), 0.3)));
  },
  { logZ: 0.8042144486321199, logZError: 1e-12, box: [[-5, 5], [-5, 5]], grid: [1001, 1001] },
);
