/**
 * Issue 5's benchmark: reverse-KL training on the energies U1–U4 of Rezende & Mohamed (2015), for a
 * planar flow with 32 layers and for a neural spline flow of similar size. Prints JSON with, per run,
 * the final reverse KL (E_q[log q − log p̃] + log Z, estimated on fresh samples), the importance-sampling
 * ESS fraction and log Z error in standard errors, and the wall time.
 *
 *     npx tsx bench/vi.ts                        # defaults: 2000 steps, all four energies
 *     npx tsx bench/vi.ts --steps 3000 u1 u3     # choose
 */
import {
  type Flow, backendName, energies, fitToTarget, importanceSample, neuralSplineFlow, planarFlow, ready, tf,
} from '../src/index.js';

const args = process.argv.slice(2);
const stepsAt = args.indexOf('--steps');
const steps = stepsAt >= 0 ? Number(args[stepsAt + 1]) : 2000;
const names = args.filter((a, i) => !a.startsWith('--') && (stepsAt < 0 || i !== stepsAt + 1));
const targets = (names.length ? names : ['u1', 'u2', 'u3', 'u4']) as ('u1' | 'u2' | 'u3' | 'u4')[];

const flows: Record<string, () => Flow> = {
  // 32 × (w, u, b) = 32 × 5 = 160 parameters.
  planar32: () => planarFlow({ dim: 2, layers: 32, seed: 0 }),
  // 2 spline couplings, MLP 1 → 8 → 23 (8 bins), 2 × 223 = 446 parameters.
  nsf: () => neuralSplineFlow({ dim: 2, layers: 2, hidden: [8], bins: 8, tailBound: 5, invert: false, seed: 0 }),
};

await ready();
const results = [];
for (const name of targets) {
  const energy = energies[name];
  for (const [flowName, build] of Object.entries(flows)) {
    const flow = build();
    const t0 = performance.now();
    await fitToTarget(flow, energy.logDensity, { steps, samplesPerStep: 256, learningRate: 5e-3, annealSteps: Math.floor(steps / 2), seed: 1, progress: false });
    const seconds = (performance.now() - t0) / 1000;
    // Reverse KL = E_q[log q − log p̃] + log Z on 20,000 fresh samples.
    const { samples, logProb } = flow.sampleAndLogProb(20000, { seed: 2 });
    const gap = tf.tidy(() => tf.mean(tf.sub(logProb, energy.logDensity(samples))).dataSync()[0]);
    tf.dispose([samples, logProb]);
    const is = await importanceSample(flow, energy.logDensity, 20000, { seed: 3 });
    is.samples.dispose();
    results.push({
      energy: name,
      flow: flowName,
      parameters: flow.trainableVariables.reduce((s, v) => s + v.size, 0),
      steps,
      reverseKL: Number((gap + energy.logZ).toFixed(4)),
      essFraction: Number(is.essFraction.toFixed(3)),
      logZ: Number(is.logZ.toFixed(4)),
      referenceLogZ: Number(energy.logZ.toFixed(4)),
      logZErrorInStdErrs: Number(((is.logZ - energy.logZ) / is.logZStdErr).toFixed(2)),
      seconds: Number(seconds.toFixed(1)),
    });
    flow.dispose();
  }
}
console.log(JSON.stringify({ backend: backendName(), results }, null, 2));
