/**
 * The fused Adam against `tf.train.adam` (`adam({ fused: false })`): same updates over many steps on
 * random problems whose gradients depend on the weights (so any difference would compound), with and
 * without clipping, at changing rates; interchangeable state; no leaked tensors.
 */
import { describe, expect, it } from 'vitest';
import { Rng, ValidationError, datasets, fit, realNVP, tf } from '../../src/index.js';
import { clipByGlobalNorm, globalNorm } from '../../src/train/clip.js';
import { fusedAdamOptimizer } from '../../src/train/fused-adam.js';
import { adam, type Optimizer } from '../../src/train/optimizer.js';
import { KERNEL_BACKENDS, useBackend } from '../helpers/backends.js';

const SHAPES = [[7, 5], [5], [1, 3], [40]];

/** Weights of random shapes and scales, and a loss Σ cᵢ·(wᵢ − tᵢ)² + Σ sin(3wᵢ) with random c, t. */
function problem(seed: number) {
  const rng = new Rng(seed);
  const init = SHAPES.map((s) => {
    const n = s.reduce((a, b) => a * b, 1);
    const scale = 10 ** (rng.uniform() * 4 - 3);
    return rng.normals(n).map((x) => x * scale);
  });
  const c = SHAPES.map((s) => new Float32Array(s.reduce((a, b) => a * b, 1)).map(() => 10 ** (rng.uniform() * 4 - 2)));
  const t = SHAPES.map((s) => new Float32Array(s.reduce((a, b) => a * b, 1)).map(() => rng.normal() * 3));
  const make = (prefix: string) => tf.tidy(() => init.map((v, i) => tf.variable(tf.tensor(v, SHAPES[i]), true, `${prefix}/${seed}/w${i}`)));
  const loss = (vars: tf.Variable[]) => () =>
    tf.addN(vars.map((w, i) => tf.add(
      tf.sum(tf.mul(tf.tensor(c[i], SHAPES[i]), tf.square(tf.sub(w, tf.tensor(t[i], SHAPES[i]))))),
      tf.sum(tf.sin(tf.mul(w, 3))),
    ))) as tf.Scalar;
  return { make, loss };
}

/** One training step as the loop runs it: gradients on the tape, optional global-norm clipping, update. */
function step(opt: Optimizer, vars: tf.Variable[], loss: () => tf.Scalar, lr: number, clipNorm: number | null): void {
  const grads = tf.tidy(() => {
    const { grads: named } = tf.variableGrads(loss, vars);
    const list = vars.map((v) => named[v.name]);
    return clipNorm === null ? list : clipByGlobalNorm(list, globalNorm(list), clipNorm);
  });
  opt.applyGradients(vars, grads, lr);
  tf.dispose(grads);
}

const values = (vars: tf.Variable[]) => vars.map((v) => Array.from(v.dataSync()));

for (const backend of KERNEL_BACKENDS) {
  describe(`fused adam on ${backend}`, () => {
    useBackend(backend);

    // The kernel path (wasm, cpu) and the dataSync path (backends without the kernel, e.g. tfjs-node).
    for (const [seed, clipNorm, opts, viaKernel] of [
      [1, null, {}, true],
      [2, 0.5, {}, true],
      [3, 3, { beta1: 0.8, beta2: 0.99, epsilon: 1e-6 }, true],
      [5, 1, { beta1: 0.8, beta2: 0.99, epsilon: 1e-6 }, false],
    ] as const) {
      it(`equals tf.train.adam bit for bit over 300 steps (seed ${seed}, clip ${clipNorm}, ${viaKernel ? 'kernel' : 'dataSync'} path)`, async () => {
        const p = problem(seed);
        const stockVars = p.make('stock');
        const fusedVars = p.make('fused');
        const stock = adam({ ...opts, fused: false });
        const o = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, ...opts };
        const fused = viaKernel ? adam(opts) : fusedAdamOptimizer(o.beta1, o.beta2, o.epsilon, false);
        let before = 0;
        let moved = 0;
        for (let s = 1; s <= 300; s++) {
          // After the first step the stock optimiser has made its slots; from then on no step may leak.
          if (s === 2) before = tf.memory().numTensors;
          const lr = 0.05 * (1 + Math.cos((Math.PI * s) / 300)) + 1e-4;
          step(stock, stockVars, p.loss(stockVars), lr, clipNorm);
          step(fused, fusedVars, p.loss(fusedVars), lr, clipNorm);
          if (s % 50 === 0) expect(values(fusedVars)).toEqual(values(stockVars));
        }
        // The weights really moved (a test of two optimisers that do nothing would pass otherwise).
        const a = values(fusedVars).flat();
        const initial = p.make('init');
        const b = values(initial).flat();
        tf.dispose(initial);
        for (let i = 0; i < a.length; i++) moved = Math.max(moved, Math.abs(a[i] - b[i]));
        expect(moved).toBeGreaterThan(0.05);
        // The fused optimiser holds no tensors; the stock one holds m and v per variable.
        const fusedState = await fused.getState();
        const stockState = await stock.getState();
        expect(fusedState.scalars).toEqual(stockState.scalars);
        expect(fusedState.slots).toEqual(stockState.slots.map((s) => ({ ...s, variable: s.variable.replace('stock/', 'fused/') })));
        expect(tf.memory().numTensors).toBe(before);
        stock.dispose();
        fused.dispose();
        tf.dispose([...stockVars, ...fusedVars]);
        tf.disposeVariables();
      });
    }

    it('stores subnormal moments as 0 (as TensorFlow\'s CPU kernels do); the weights stay bit-identical to tf.train.adam', async () => {
      // Half of each variable's entries get a gradient at step 1 only: their moments then decay by
      // β = 0.9 per step, 0.1·0.9ᵏ, through the subnormal range (below 2⁻¹²⁶ from k ≈ 806, exactly 0
      // from k ≈ 960); the other half get fresh gradients every step and move the weights.
      const steps = 880;
      const rng = new Rng(21);
      const shapes = [[6, 4], [9]];
      const init = shapes.map((sh) => rng.normals(sh[0] * (sh[1] ?? 1)));
      const make = (prefix: string) => tf.tidy(() => init.map((v, i) => tf.variable(tf.tensor(v, shapes[i]), true, `${prefix}/w${i}`)));
      const stockVars = make('sub-stock');
      const fusedVars = make('sub-fused');
      const stock = adam({ beta1: 0.9, beta2: 0.9, fused: false });
      const fused = adam({ beta1: 0.9, beta2: 0.9 });
      let subnormals = 0;
      for (let s = 1; s <= steps; s++) {
        const grads = init.map((v, i) => tf.tensor(v.map((_, j) => (j % 2 === 0 ? rng.normal() : s === 1 ? 1 : 0)), shapes[i]));
        stock.applyGradients(stockVars, grads, 0.01);
        fused.applyGradients(fusedVars, grads, 0.01);
        tf.dispose(grads);
      }
      expect(values(fusedVars)).toEqual(values(stockVars));
      const [a, b] = [(await stock.getState()).slots, (await fused.getState()).slots];
      a.forEach((slot, i) => {
        for (const key of ['m', 'v'] as const) {
          const [x, y] = [slot.values[key], b[i].values[key]];
          for (let j = 0; j < x.length; j++) {
            if (x[j] !== 0 && Math.abs(x[j]) < 2 ** -126) {
              subnormals++;
              expect(y[j]).toBe(0);
            } else expect(y[j]).toBe(x[j]);
          }
        }
      });
      // Every entry of the decaying half is subnormal in tf.train.adam's state by then.
      expect(subnormals).toBe(2 * (12 + 4));
      stock.dispose();
      fused.dispose();
      tf.dispose([...stockVars, ...fusedVars]);
    });

    it('takes over the state of either implementation and continues identically', async () => {
      const p = problem(4);
      const a = p.make('a');
      const b = p.make('b');
      const first = adam({ fused: false });
      for (let s = 0; s < 20; s++) step(first, a, p.loss(a), 0.01, null);
      // b gets a's weights and the stock optimiser's state, renamed to b's variables.
      tf.tidy(() => b.forEach((v, i) => v.assign(a[i])));
      const state = await first.getState();
      const renamed = { ...state, slots: state.slots.map((s) => ({ ...s, variable: s.variable.replace('a/', 'b/') })) };
      const second = adam();
      second.setState(renamed);
      for (let s = 0; s < 20; s++) {
        step(first, a, p.loss(a), 0.02, 1);
        step(second, b, p.loss(b), 0.02, 1);
      }
      expect(values(b)).toEqual(values(a));
      // And back: the fused state restored into a stock optimiser.
      const third = adam({ fused: false });
      const secondState = await second.getState();
      third.setState({ ...secondState, slots: secondState.slots.map((s) => ({ ...s, variable: s.variable.replace('b/', 'a/') })) });
      for (let s = 0; s < 10; s++) {
        step(third, a, p.loss(a), 0.03, null);
        step(second, b, p.loss(b), 0.03, null);
      }
      expect(values(b)).toEqual(values(a));
      [first, second, third].forEach((o) => o.dispose());
      tf.disposeVariables();
    });

    it('leaks no tensor per update and rejects bad state and options', async () => {
      const v = tf.variable(tf.tensor1d([1, 2, 3]), true, 'leak/v');
      const g = tf.tensor1d([0.1, -0.2, 0.3]);
      const opt = adam();
      opt.applyGradients([v], [g], 0.1);
      const before = tf.memory().numTensors;
      for (let i = 0; i < 5; i++) opt.applyGradients([v], [g], 0.1);
      expect(tf.memory().numTensors).toBe(before);
      expect(() => opt.setState({ name: 'sgd', scalars: {}, slots: [] })).toThrow(/state\.name/);
      const current = await opt.getState();
      expect(() => opt.setState({ ...current, slots: [{ variable: 'leak/v', values: { m: new Float32Array(2), v: new Float32Array(3) } }] })).toThrow(/values\.m/);
      expect(() => adam({ fused: 'yes' } as never)).toThrow(/options\.fused/);
      opt.dispose();
      tf.dispose([v, g]);
    });
  });
}

describe('fit with the fused and the stock Adam', () => {
  it('gives the same losses and weights bit for bit (with clipping and a schedule)', async () => {
    const x = datasets.moons(400, { seed: 9 });
    const run = async (fused: boolean) => {
      const flow = realNVP({ dim: 2, layers: 2, hidden: [8], seed: 2 });
      const h = await fit(flow, x, { steps: 40, batchSize: 64, learningRate: 5e-3, clipNorm: 2, seed: 1, progress: false, adam: { fused } });
      const weights = flow.weights.map((w) => Array.from(w.variable.dataSync()));
      flow.dispose();
      return { loss: h.loss, gradNorm: h.gradNorm, weights };
    };
    const stock = await run(false);
    const fused = await run(true);
    expect(fused).toEqual(stock);
    expect(stock.loss.at(-1)!).toBeLessThan(stock.loss[0]);
    x.dispose();
  });

  it('rejects a bad adam option', async () => {
    const flow = realNVP({ dim: 2, layers: 1, hidden: [4], seed: 2 });
    await expect(fit(flow, [[0, 0], [1, 1]], { steps: 1, adam: 3 as never })).rejects.toThrow(ValidationError);
    await expect(fit(flow, [[0, 0], [1, 1]], { steps: 1, adam: { fused: 1 } as never })).rejects.toThrow(/options\.fused/);
    flow.dispose();
  });
});
