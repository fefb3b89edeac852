import { type Flow, Rng, tf } from '../../src/index.js';

/** Add seeded N(0, sd²) noise to every trainable weight of `flow` (the conditioners' last layers start at 0, so gradients would be trivial). */
export function perturbFlow(flow: Flow, seed: number, sd = 0.1): void {
  const rng = new Rng(seed);
  tf.tidy(() => {
    for (const v of flow.trainableVariables) v.assign(tf.add(v, tf.tensor(rng.normals(v.size).map((z) => z * sd), v.shape)));
  });
}
