/**
 * Issue 5's bar: on each target energy, after reverse-KL training, the importance-sampling estimate of
 * log Z agrees with the quadrature reference within three standard errors. Seeded, so deterministic on
 * one backend; a small spline flow keeps it to seconds per energy.
 *
 * Reverse KL is mode-seeking: on the symmetric two-moons energy a short annealing (β reaching 1 after
 * 500 steps) left the flow on one moon for 2 of 4 seeds, and importance sampling then misses exactly
 * log 2 with a confident standard error. Annealing over 1000 of the 1500 steps covers both moons here
 * (the same schedule gave the ring of eight an ESS of only 4%, so the others keep 500).
 * The spline sits on the sampling path (`invert: false`), as for any flow trained by reverse KL.
 */
import { describe, expect, it } from 'vitest';
import { energies, fitToTarget, importanceSample, neuralSplineFlow, tf } from '../../src/index.js';

const names = ['u1', 'u2', 'u3', 'u4', 'twoMoons', 'ringOfEight'] as const;

describe('importance-sampling log Z after reverse-KL training', () => {
  it.each(names)('%s: within 3 standard errors of the quadrature log Z', async (name) => {
    const energy = energies[name];
    // invert: false puts the spline on the sampling path, the one reverse KL trains through.
    const flow = neuralSplineFlow({ dim: 2, layers: 2, hidden: [16], bins: 8, tailBound: 6, invert: false, seed: 0 });
    const before = tf.memory().numTensors;
    await fitToTarget(flow, energy.logDensity, { steps: 1500, samplesPerStep: 256, learningRate: 5e-3, annealSteps: name === 'twoMoons' ? 1000 : 500, seed: 1, progress: false });
    const r = await importanceSample(flow, energy.logDensity, 20000, { seed: 2 });
    r.samples.dispose();
    const z = (r.logZ - energy.logZ) / r.logZStdErr;
    console.log(`${name}: log Z ${r.logZ.toFixed(4)} ± ${r.logZStdErr.toFixed(4)} (reference ${energy.logZ.toFixed(4)}, ${z.toFixed(2)} SE), ESS ${(100 * r.essFraction).toFixed(1)}%`);
    expect(Math.abs(z)).toBeLessThan(3);
    expect(r.essFraction).toBeGreaterThan(0.1); // a proposal that covers the target (else the SE is not trustworthy)
    expect(tf.memory().numTensors).toBe(before);
    flow.dispose();
  }, 120_000);
});
