/**
 * The short numerical soak: every soak flow (RealNVP, NSF coupling, NSF autoregressive, MAF) on every
 * soak dataset (moons, checkerboard, eightGaussians, pinwheel), one seed, 100 steps of batch 64 each
 * (small, to stay fast on a loaded 2-core machine: 22 s of CPU at 150 × 128). Every run must finish without a TrainingError (non-finite loss or gradient), give finite
 * test logProbs and samples, and leave the tensor count unchanged. The long run is `npm run bench:soak`.
 */
import { describe, expect, it } from 'vitest';
import { SOAK_DATASETS, SOAK_FLOWS, type SoakConfig, soakRun } from '../../bench/soak-runs.js';

const SHORT: SoakConfig = { steps: 100, seeds: [1], flows: Object.keys(SOAK_FLOWS), datasets: SOAK_DATASETS, nTrain: 2000, nTest: 500, batchSize: 64, learningRate: 1e-3 };

describe.each(Object.keys(SOAK_FLOWS))('short soak: %s', (flow) => {
  it.each(SOAK_DATASETS)('%s: finite loss, gradients, logProb and samples; no leaked tensors', async (dataset) => {
    const r = await soakRun(flow, dataset, 1, SHORT);
    expect(r.trainingError).toBeNull();
    expect(r.nonFiniteLogProb).toBe(0);
    expect(r.nonFiniteSamples).toBe(0);
    expect(r.tensorsAfter).toBe(r.tensorsBefore);
    expect(Number.isFinite(r.finalLoss)).toBe(true);
    expect(Number.isFinite(r.testNll)).toBe(true);
  });
});
