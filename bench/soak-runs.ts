/**
 * The numerical soak (issue 9): train each flow family on each toy dataset for many steps and seeds,
 * and count the runs that produced a non-finite loss or gradient (`fit` throws `TrainingError`), a
 * non-finite test logProb or a non-finite sample, and the runs whose tensor count changed. Used by
 * `bench/soak.ts` (the full run, JSON) and by test/train/soak.test.ts (a short run).
 */
import { type DatasetName, type Flow, TrainingError, datasets, fit, maskedAutoregressiveFlow, neuralSplineFlow, realNVP, tf } from '../src/index.js';

/** The flows the soak trains: moderate sizes, the builders' default clamps and tail handling. */
export const SOAK_FLOWS: Record<string, (seed: number) => Flow> = {
  realNVP: (seed) => realNVP({ dim: 2, layers: 6, hidden: [32, 32], seed }),
  nsfCoupling: (seed) => neuralSplineFlow({ dim: 2, layers: 4, bins: 8, tailBound: 3, hidden: [32, 32], seed }),
  nsfAutoregressive: (seed) => neuralSplineFlow({ dim: 2, layers: 3, bins: 8, tailBound: 3, hidden: [32, 32], autoregressive: true, seed }),
  maf: (seed) => maskedAutoregressiveFlow({ dim: 2, layers: 5, hidden: [32, 32], seed }),
};

export const SOAK_DATASETS: DatasetName[] = ['moons', 'checkerboard', 'eightGaussians', 'pinwheel'];

export interface SoakConfig {
  steps: number;
  seeds: number[];
  flows: string[];
  datasets: DatasetName[];
  nTrain: number;
  nTest: number;
  batchSize: number;
  learningRate: number;
}

export const DEFAULT_SOAK: SoakConfig = {
  steps: 3000, seeds: [1, 2, 3], flows: Object.keys(SOAK_FLOWS), datasets: SOAK_DATASETS, nTrain: 10000, nTest: 2000, batchSize: 256, learningRate: 1e-3,
};

export interface SoakRun {
  flow: string;
  dataset: string;
  seed: number;
  steps: number;
  /** `TrainingError` message when fit stopped on a non-finite loss or gradient, else null. */
  trainingError: string | null;
  /** Mean training loss of the last 100 steps (nats, data units). */
  finalLoss: number | null;
  /** Mean negative log-likelihood of the test rows, or null if any logProb was non-finite. */
  testNll: number | null;
  nonFiniteLogProb: number;
  nonFiniteSamples: number;
  tensorsBefore: number;
  tensorsAfter: number;
  seconds: number;
}

function countNonFinite(a: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) n++;
  return n;
}

/** One training run; never throws for numerical failures (they are what it counts). */
export async function soakRun(flowName: string, dataset: DatasetName, seed: number, c: SoakConfig): Promise<SoakRun> {
  const tensorsBefore = tf.memory().numTensors;
  const start = performance.now();
  const train = datasets[dataset](c.nTrain, { seed: 1000 + seed });
  const test = datasets[dataset](c.nTest, { seed: 2000 + seed });
  const flow = SOAK_FLOWS[flowName](seed);
  let trainingError: string | null = null;
  let finalLoss: number | null = null;
  try {
    const h = await fit(flow, train, { steps: c.steps, batchSize: c.batchSize, learningRate: c.learningRate, seed, progress: false });
    const tail = h.loss.slice(-100);
    finalLoss = tail.reduce((s, v) => s + v, 0) / tail.length;
    if (!h.gradNorm.every(Number.isFinite)) trainingError = 'non-finite gradient norm recorded in history';
  } catch (e) {
    if (!(e instanceof TrainingError)) throw e;
    trainingError = e.message;
  }
  const lp = tf.tidy(() => flow.logProb(test));
  const lpValues = lp.dataSync();
  lp.dispose();
  const samples = flow.sample(c.nTest, { seed: 3000 + seed });
  const nonFiniteSamples = countNonFinite(samples.dataSync());
  samples.dispose();
  const nonFiniteLogProb = countNonFinite(lpValues);
  let sum = 0;
  for (let i = 0; i < lpValues.length; i++) sum += lpValues[i];
  const testNll = nonFiniteLogProb === 0 ? -sum / lpValues.length : null;
  flow.dispose();
  tf.dispose([train, test]);
  return {
    flow: flowName, dataset, seed, steps: c.steps, trainingError, finalLoss, testNll, nonFiniteLogProb, nonFiniteSamples,
    tensorsBefore, tensorsAfter: tf.memory().numTensors, seconds: (performance.now() - start) / 1000,
  };
}

export interface SoakSummary {
  runs: number;
  trainingErrors: number;
  nonFiniteLogProbRuns: number;
  nonFiniteSampleRuns: number;
  leakingRuns: number;
}

export function summarize(runs: SoakRun[]): SoakSummary {
  return {
    runs: runs.length,
    trainingErrors: runs.filter((r) => r.trainingError !== null).length,
    nonFiniteLogProbRuns: runs.filter((r) => r.nonFiniteLogProb > 0).length,
    nonFiniteSampleRuns: runs.filter((r) => r.nonFiniteSamples > 0).length,
    leakingRuns: runs.filter((r) => r.tensorsAfter !== r.tensorsBefore).length,
  };
}
