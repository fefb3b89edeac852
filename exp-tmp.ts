import { datasets, fit, ready, realNVP, tf, type Flow, Rng } from './src/index.js';
await ready();
const variant = process.argv[2];
const seed = Number(process.argv[3] ?? 3);
const base = { dim: 2, layers: 8, hidden: [64, 64], seed };
const make: Record<string, () => Flow> = {
  default: () => realNVP(base),
  noclamp: () => realNVP({ ...base, clamp: null }),
  clamp6: () => realNVP({ ...base, clamp: 6 }),
  noperm: () => realNVP({ ...base, permutation: 'none' }),
  tanh: () => realNVP({ ...base, activation: 'tanh' }),
  elu: () => realNVP({ ...base, activation: 'elu' }),
  silu: () => realNVP({ ...base, activation: 'silu' }),
  leaky: () => realNVP({ ...base, activation: 'leakyRelu' }),
  tanhClamp6: () => realNVP({ ...base, activation: 'tanh', clamp: 6 }),
  tanhClamp2: () => realNVP({ ...base, activation: 'tanh', clamp: 2 }),
  tanhSoftplus: () => realNVP({ ...base, activation: 'tanh', scale: 'softplus' }),
  eluSoftplus: () => realNVP({ ...base, activation: 'elu', scale: 'softplus' }),
  softplus: () => realNVP({ ...base, scale: 'softplus' }),
  torchRelu: () => torchInit(realNVP(base)),
  torchReluZeroBias: () => torchInit(realNVP(base), false),
  heTorchBias: () => torchInit(realNVP(base), true, false),
  torchTanh: () => torchInit(realNVP({ ...base, activation: 'tanh' })),
  smallinit: () => { const f = realNVP(base); const rng = new Rng(9); for (const w of f.weights) { if (w.name.endsWith('2/kernel')) { w.variable.assign(tf.tensor(rng.normals(w.variable.size).map((v) => v * 1e-2), w.variable.shape)); } } return f; },
};
function torchInit(f: Flow, bias = true, kernel = true): Flow {
  const rng = new Rng(11 + seed);
  const ws = f.weights;
  for (let i = 0; i < ws.length; i++) {
    const w = ws[i];
    if (w.name.endsWith('2/kernel') || w.name.endsWith('2/bias')) continue; // keep the zero last layer
    if (!bias && w.name.endsWith('bias')) continue;
    if (!kernel && w.name.endsWith('kernel')) continue;
    const fanIn = w.name.endsWith('kernel') ? w.variable.shape[0] : ws[i - 1].variable.shape[0];
    const a = 1 / Math.sqrt(fanIn);
    w.variable.assign(tf.tensor(rng.uniforms(w.variable.size, -a, a), w.variable.shape));
  }
  return f;
}
const train = datasets.moons(20000, { seed: 1, noise: 0.05 });
const test = datasets.moons(5000, { seed: 2, noise: 0.05 });
const flow = make[variant]();
const h = await fit(flow, train, { steps: 3000, batchSize: 256, learningRate: 1e-3, seed: 3, standardize: true, progress: false } as never);
const sumLogStd = flow.standardization!.std.reduce((s, v) => s + Math.log(v), 0);
const nll = tf.tidy(() => tf.neg(tf.mean(flow.logProb(test)))).dataSync()[0] - sumLogStd;
console.log(JSON.stringify({ variant, seed, testNll: +nll.toFixed(4), sps: +h.stepsPerSecond.toFixed(1) }));
