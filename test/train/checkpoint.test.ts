/**
 * Checkpoints and resume: an interrupted run resumed from its last checkpoint by a fresh flow object
 * ends with the same weights and history as the uninterrupted run, bit for bit (same backend).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FileFormatError, type FitHistory, type FitOptions, Flow, Rng, ValidationError, cosineDecay, datasets, fit, parseCheckpoint, realNVP, tf,
  type CheckpointDocument,
} from '../../src/index.js';
import { CHECKPOINT_FILE, checkpointDir, loadCheckpoint, resumeFit } from '../../src/node.js';

const root = mkdtempSync(join(tmpdir(), 'tfjs-flows-ckpt-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let data: number[][] = [];
beforeAll(() => {
  const t = datasets.moons(500, { seed: 4 });
  data = t.arraySync() as number[][];
  t.dispose();
});

const makeFlow = (seed: number): Flow => realNVP({ dim: 2, layers: 4, hidden: [16], seed });
/** The builder's flow with every weight replaced by noise: a resumed run must take all weights from the checkpoint. */
const scrambled = (seed: number): Flow => {
  const flow = makeFlow(1);
  const rng = new Rng(seed);
  tf.tidy(() => flow.weights.forEach((w) => w.variable.assign(tf.tensor(rng.normals(w.variable.size), w.variable.shape))));
  return flow;
};
const weightsOf = (flow: Flow) => flow.weights.map((w) => ({ name: w.name, values: Array.from(w.variable.dataSync()) }));
/** The history without its timings, which differ between runs. */
const untimed = (h: FitHistory) => ({ ...h, wallTime: 0, stepsPerSecond: 0 });

// 450 training rows, batch 64: 7 steps per epoch, so step 120 is in the middle of epoch 18; validation
// every epoch with restoreBest exercises the best-so-far snapshot; cosine decay depends on the step.
const options = (): FitOptions => ({
  steps: 200, batchSize: 64, learningRate: cosineDecay(5e-3), validationSplit: 0.1, patience: 1000, restoreBest: true, clipNorm: 5,
  seed: 11, progress: false,
});

describe('fit checkpoints and resume', () => {
  let straight: { weights: ReturnType<typeof weightsOf>; history: FitHistory; lp: number[] };

  it('an interrupted run resumed from its checkpoint by a fresh flow equals the straight run exactly', async () => {
    const a = makeFlow(1);
    const historyA = await fit(a, data, options());
    const lpA = a.logProb([[0.3, -0.2], [1, 0.5]]);
    straight = { weights: weightsOf(a), history: historyA, lp: Array.from(lpA.dataSync()) };
    lpA.dispose();
    a.dispose();
    expect(historyA.steps).toHaveLength(200);

    // Run B: checkpoints every 40 steps, "crashes" after step 130, so the last checkpoint (120) is 10 steps behind.
    const dir = join(root, 'b');
    const b = makeFlow(1);
    const historyB = await fit(b, data, {
      ...options(), checkpoint: checkpointDir(dir, { every: 40 }), onStep: (i) => (i.step === 130 ? i.stop() : undefined),
    });
    expect(historyB.steps).toHaveLength(130);
    b.dispose();
    const saved = await loadCheckpoint(dir);
    expect(saved.step).toBe(120);
    expect(saved.position).toMatchObject({ kind: 'memory', epoch: 18, position: 1 }); // 17·7 = 119 steps before epoch 18

    // A new flow object (same architecture) with other weights: everything must come from the checkpoint.
    const before = tf.memory().numTensors;
    const c = scrambled(99);
    const historyC = await resumeFit(c, data, dir, options());
    expect(weightsOf(c)).toEqual(straight.weights);
    expect(untimed(historyC)).toEqual(untimed(historyA));
    expect(historyC.restoredBest).toBe(historyA.restoredBest);
    const lpC = c.logProb([[0.3, -0.2], [1, 0.5]]);
    expect(Array.from(lpC.dataSync())).toEqual(straight.lp);
    lpC.dispose();
    expect(c.standardization).toEqual(saved.model.architecture.standardization);
    c.dispose();
    expect(tf.memory().numTensors).toBe(before); // the optimiser's state and the run's tensors are freed
  });

  it('keeps checkpointing after a resume, and an aborted run writes a checkpoint it can resume from', async () => {
    const dir = join(root, 'abort');
    const controller = new AbortController();
    const b = makeFlow(1);
    await fit(b, data, { ...options(), signal: controller.signal, checkpoint: checkpointDir(dir, { every: 1000 }), onStep: (i) => (i.step === 57 ? controller.abort() : undefined) });
    b.dispose();
    expect((await loadCheckpoint(dir)).step).toBe(57); // written at the abort, not at a multiple of every
    const c = scrambled(5);
    const h = await resumeFit(c, data, dir, { ...options(), checkpoint: checkpointDir(dir, { every: 50 }) });
    expect(weightsOf(c)).toEqual(straight.weights);
    expect(untimed(h)).toEqual(untimed(straight.history));
    expect((await loadCheckpoint(dir)).step).toBe(200);
    c.dispose();
  });

  it('resumes a stream of batches inside an epoch (the used batches are read again and skipped)', async () => {
    const rng = new Rng(3);
    const batches = Array.from({ length: 6 }, () => Array.from({ length: 32 }, () => [rng.normal(), 0.5 * rng.normal() + 1]));
    const stream = { *[Symbol.iterator]() { yield* batches; } };
    const opts = (): FitOptions => ({ epochs: 5, learningRate: 1e-2, seed: 2, progress: false });
    const a = makeFlow(1);
    const ha = await fit(a, stream, opts());
    const dir = join(root, 'stream');
    const b = makeFlow(1);
    await fit(b, stream, { ...opts(), checkpoint: checkpointDir(dir, { every: 8 }), onStep: (i) => (i.step === 10 ? i.stop() : undefined) });
    b.dispose();
    expect((await loadCheckpoint(dir)).position).toEqual({ kind: 'stream', epoch: 2, index: 2 });
    const c = scrambled(7);
    const hc = await resumeFit(c, stream, dir, opts());
    expect(weightsOf(c)).toEqual(weightsOf(a));
    expect(untimed(hc)).toEqual(untimed(ha));
    [a, c].forEach((f) => f.dispose());
  });

  it('a missing, empty, truncated, corrupt or foreign checkpoint is a FileFormatError naming the file', async () => {
    await expect(loadCheckpoint(join(root, 'nowhere'))).rejects.toThrow(FileFormatError);
    await expect(loadCheckpoint(join(root, 'nowhere'))).rejects.toThrow(/nowhere\/checkpoint\.json: cannot be read \(no such file\)/);
    const good = readFileSync(join(root, 'b', CHECKPOINT_FILE), 'utf8');
    const cases: [string, string, RegExp][] = [
      ['empty', '', /is empty/],
      ['truncated', good.slice(0, good.length / 2), /not valid JSON/],
      ['foreign', JSON.stringify({ format: 'tfjs-flows', formatVersion: 1 }), /not a tfjs-flows checkpoint/],
      ['newer', good.replace('"formatVersion":1', '"formatVersion":99'), /format version 99/],
      ['bad-weight', good.replace(/"data":"[A-Za-z0-9+/]{8}/, '"data":"!!!!!!!!'), /corrupt/],
      ['bad-history', good.replace('"loss":[', '"loss":[true,'), /loop\.history\.loss\[0\]/],
    ];
    for (const [name, text, message] of cases) {
      const dir = join(root, name);
      rmSync(dir, { recursive: true, force: true });
      await checkpointDir(dir, { every: 1 }).write(JSON.parse(good) as CheckpointDocument); // creates the directory
      writeFileSync(join(dir, CHECKPOINT_FILE), text);
      const error = await loadCheckpoint(dir).then(() => null, (e: unknown) => e);
      expect(error, name).toBeInstanceOf(FileFormatError);
      expect((error as Error).message, name).toContain(join(dir, CHECKPOINT_FILE));
      expect((error as Error).message, name).toMatch(message);
    }
  });

  it('refuses a checkpoint of another run (other data, options or architecture) before changing the flow', async () => {
    const doc = parseCheckpoint(readFileSync(join(root, 'b', CHECKPOINT_FILE), 'utf8'));
    const flow = makeFlow(1);
    const w0 = weightsOf(flow);
    const other = data.map(([x, y]) => [x + 1e-3, y]);
    await expect(fit(flow, other, { ...options(), resumeFrom: doc })).rejects.toThrow(/options\.resumeFrom.*same data.*data: the checkpoint has/);
    await expect(fit(flow, data, { ...options(), batchSize: 32, resumeFrom: doc })).rejects.toThrow(/batchSize: the checkpoint has 64, this call 32/);
    await expect(fit(flow, data, { ...options(), seed: 12, resumeFrom: doc })).rejects.toThrow(ValidationError); // another split
    const wide = realNVP({ dim: 2, layers: 4, hidden: [8], seed: 1 });
    await expect(fit(wide, data, { ...options(), resumeFrom: doc })).rejects.toThrow(/this flow's bijector architecture \(….*"hidden":\[8\].*got ….*"hidden":\[16\]/);
    expect(weightsOf(flow)).toEqual(w0);
    expect(flow.standardization).toBeNull();
    [flow, wide].forEach((f) => f.dispose());
    const third = makeFlow(1);
    await expect(fit(third, data, { ...options(), resumeFrom: '{"format":"x"}' })).rejects.toThrow(FileFormatError);
    third.dispose();
    expect(() => checkpointDir(root, { every: 0 })).toThrow(ValidationError);
  });
});
