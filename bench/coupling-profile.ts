/**
 * CPU-time profile of coupling flows beyond 2-D (issue 16): logProb, sample and training steps per
 * CPU second, and `tf.profile`'s kernel times by kernel name for one call of each.
 * Run: `npx tsx bench/coupling-profile.ts [realnvp-d32|nsf-c-d8] [--kernels]`.
 */
import { enableRelaxedSimd } from '../src/kernels/simd/enable-relaxed-simd.js';
import { neuralSplineFlow, ready, realNVP, tf } from '../src/index.js';
import { tapeFreeStep } from '../src/engine/tape-free-step.js';
import { adam } from '../src/train/optimizer.js';

const which = process.argv[2] ?? 'realnvp-d32';
const kernels = process.argv.includes('--kernels');
const phases = (process.env.PHASES ?? 'logProb,sample,train').split(',');

function cpu(f: () => void, reps: number): number {
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    const c0 = process.cpuUsage();
    f();
    const c = process.cpuUsage(c0);
    best = Math.min(best, (c.user + c.system) / 1e6);
  }
  return best;
}

async function main() {
  enableRelaxedSimd();
  await ready();
  const makers: Record<string, () => ReturnType<typeof realNVP>> = {
    'realnvp-d32': () => realNVP({ dim: 32, layers: 8, hidden: [256, 256], activation: 'relu', seed: 1 }),
    'nsf-c-d8': () => neuralSplineFlow({ dim: 8, layers: 5, bins: 8, tailBound: 3, hidden: [256, 256], seed: 1 }),
    'realnvp-moons': () => realNVP({ dim: 2, layers: 8, hidden: [64, 64], seed: 1 }),
    'nsf-moons': () => neuralSplineFlow({ dim: 2, layers: 4, bins: 8, tailBound: 5, hidden: [64, 64], seed: 1 }),
  };
  const flow = makers[which]();
  const dim = flow.dim;
  const sampleRows = which.endsWith('moons') ? 10000 : 1000;
  // Perturb the weights so the transformers do not sit at the identity.
  for (const v of flow.trainableVariables as tf.Variable[]) v.assign(tf.tidy(() => tf.add(v, tf.mul(0.02, tf.randomNormal(v.shape, 0, 1, 'float32', 3)))));
  const x = tf.randomNormal([10000, dim], 0, 1, 'float32', 1) as tf.Tensor2D;
  const out: Record<string, number> = {};
  const run = (f: () => tf.Tensor) => () => { const t = f(); t.dataSync(); t.dispose(); };
  if (phases.includes('logProb')) {
    run(() => flow.logProb(x))();
    out.logProbCpu = cpu(run(() => flow.logProb(x)), Number(process.env.LOGPROB_REPS ?? 3));
  }
  if (phases.includes('sample')) {
    run(() => flow.sample(sampleRows, { seed: 2 }))();
    out.sampleCpu = cpu(run(() => flow.sample(sampleRows, { seed: 2 })), Number(process.env.SAMPLE_REPS ?? 5));
  }
  if (phases.includes('train')) {
    const step = tapeFreeStep(flow)!;
    const opt = adam({ fused: true });
    const vars = flow.trainableVariables as tf.Variable[];
    const xb = tf.slice(x, [0, 0], [512, dim]) as tf.Tensor2D;
    const one = () => {
      const o = tf.tidy(() => {
        const { value, grads } = step(xb);
        return { value, grads: vars.map((v) => grads[v.name]) };
      });
      opt.applyGradients(vars, o.grads, 1e-3);
      o.value.dataSync();
      tf.dispose([o.value, ...o.grads]);
    };
    for (let i = 0; i < 5; i++) one();
    out.trainStepsPerCpuSecond = 20 / cpu(() => { for (let i = 0; i < 20; i++) one(); }, 3);
    if (kernels) {
      const p = await tf.profile(() => { for (let i = 0; i < 10; i++) one(); return tf.scalar(0); });
      const by: Record<string, number> = {};
      for (const k of p.kernels) by[k.name] = (by[k.name] ?? 0) + (k.kernelTimeMs as number) / 10;
      console.error('train step', JSON.stringify(Object.entries(by).sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, Math.round(v * 100) / 100])));
    }
  }
  if (kernels) {
    for (const [name, f] of [['logProb', () => flow.logProb(x)], ['sample', () => flow.sample(sampleRows, { seed: 2 })]] as const) {
      const p = await tf.profile(() => { const t = f(); t.dataSync(); return t; });
      const by: Record<string, number> = {};
      for (const k of p.kernels) by[k.name] = (by[k.name] ?? 0) + (k.kernelTimeMs as number);
      console.error(name, JSON.stringify(Object.entries(by).sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, Math.round(v * 10) / 10])));
    }
  }
  console.log(JSON.stringify({ config: which, ...Object.fromEntries(Object.entries(out).map(([k, v]) => [k, Math.round(v * 1000) / 1000])) }));
}
main();
