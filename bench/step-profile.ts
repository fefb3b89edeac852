/**
 * Profile of the tape-free training step (issue 8): ms per step of the bare step + fused Adam, and
 * `tf.profile`'s kernel times summed by kernel name for one step. Run: `npx tsx bench/step-profile.ts [realNVP|nsf]`.
 * For a JavaScript CPU profile: `node --cpu-prof --import tsx bench/step-profile.ts`.
 */
import { adam } from '../src/train/optimizer.js';
import { enableRelaxedSimd } from '../src/kernels/simd/enable-relaxed-simd.js';
import { tapeFreeStep } from '../src/engine/tape-free-step.js';
import { datasets, neuralSplineFlow, ready, realNVP, tf } from '../src/index.js';

const which = process.argv[2] ?? 'realNVP';
const STEPS = Number(process.env.PROFILE_STEPS ?? 300);

async function main() {
  // What current Node runs (relaxed SIMD is on by default from Node 22).
  enableRelaxedSimd();
  await ready();
  const flow = which === 'nsf'
    ? neuralSplineFlow({ dim: 2, layers: 4, bins: 8, tailBound: 5, hidden: [64, 64], seed: 1 })
    : realNVP({ dim: 2, layers: 8, hidden: [64, 64], seed: 1 });
  const x = datasets.moons(256, { seed: 1 });
  const step = tapeFreeStep(flow)!;
  const opt = adam({ fused: true });
  const vars = flow.trainableVariables as tf.Variable[];
  const one = () => {
    const out = tf.tidy(() => {
      const { value, grads } = step(x);
      return { value, grads: vars.map((v) => grads[v.name]) };
    });
    opt.applyGradients(vars, out.grads, 1e-3);
    out.value.dataSync();
    tf.dispose([out.value, ...out.grads]);
  };
  for (let i = 0; i < 30; i++) one();
  const n0 = tf.memory().numTensors;
  const blocks: number[] = [];
  for (let b = 0; b < 5; b++) {
    const t0 = performance.now();
    for (let i = 0; i < STEPS / 5; i++) one();
    blocks.push((performance.now() - t0) / (STEPS / 5));
  }
  blocks.sort((a, b) => a - b);
  const gradOnly: number[] = [];
  for (let b = 0; b < 5; b++) {
    const t0 = performance.now();
    for (let i = 0; i < STEPS / 5; i++) tf.tidy(() => { const { value } = step(x); value.dataSync(); });
    gradOnly.push((performance.now() - t0) / (STEPS / 5));
  }
  gradOnly.sort((a, b) => a - b);
  // Kernel times summed over PROFILE_REPS profiled steps, by kernel name and input shapes, per step.
  const reps = Number(process.env.PROFILE_REPS ?? 10);
  const byKernel = new Map<string, { ms: number; n: number }>();
  let count = 0;
  let total = 0;
  for (let r = 0; r < reps; r++) {
    const prof = await tf.profile(() => { one(); });
    for (const k of prof.kernels) {
      if (k.name === 'fusedMatMul__op') continue; // wraps _FusedMatMul, counted there
      const key = `${k.name} ${JSON.stringify(k.inputShapes)}`;
      const e = byKernel.get(key) ?? { ms: 0, n: 0 };
      e.ms += Number(k.kernelTimeMs) / reps;
      e.n += 1 / reps;
      total += Number(k.kernelTimeMs) / reps;
      byKernel.set(key, e);
    }
    count = prof.kernels.length;
  }
  const kernels = [...byKernel].sort((a, b) => b[1].ms - a[1].ms).map(([name, e]) => `${name.padEnd(72)} ${e.n.toFixed(0).padStart(4)} × ${(1000 * e.ms / e.n).toFixed(1).padStart(6)} µs = ${e.ms.toFixed(3).padStart(6)} ms`);
  console.log(`${which}: ${blocks[2].toFixed(3)} ms/step (median block; ${(1000 / blocks[2]).toFixed(0)} steps/s); step without Adam ${gradOnly[2].toFixed(3)} ms; tensors leaked per step ${(tf.memory().numTensors - n0)}`);
  console.log(`kernels in one step: ${count}, sum ${total.toFixed(3)} ms (under tf.profile)`);
  console.log(kernels.join('\n'));
}
main();
