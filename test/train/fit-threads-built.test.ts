/**
 * `fit({ threads: 2 })` from the built package: there the worker is the compiled `worker.js` beside
 * `two-thread-step.js`, not the tsx bootstrap the other tests use. Builds `src` into a scratch folder
 * under out/ (so Node resolves the dependencies from the repository's node_modules) and trains a few
 * steps in a child process, with one thread and with two, started with a V8 flag (which a worker
 * must not inherit) and a main script given as a string.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtPackage, repoRoot as root } from '../helpers/built-package.js';

describe('fit({ threads: 2 }) from the compiled package', () => {
  const pkg = builtPackage('built-threads-');
  const outDir = pkg.dir;

  it('trains with the compiled worker, and its losses match one thread within float32 summation error', () => {
    pkg.build();
    const script = `
      const { ready, datasets, fit, realNVP, tf } = await import(${JSON.stringify(join(outDir, 'index.js'))});
      await ready();
      const x = datasets.moons(2000, { seed: 1 });
      const losses = [];
      for (const threads of [1, 2]) {
        const flow = realNVP({ dim: 2, layers: 4, hidden: [16, 16], seed: 3 });
        const h = await fit(flow, x, { steps: 8, batchSize: 128, seed: 2, progress: false, threads });
        losses.push(h.loss);
        flow.dispose();
      }
      x.dispose();
      console.log(JSON.stringify({ losses, tensors: tf.memory().numTensors }));
    `;
    // With a V8 flag, which Node refuses in a worker's execArgv: the worker must start without it.
    const run = spawnSync(process.execPath, ['--max-old-space-size=4096', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 120_000, cwd: root });
    expect(run.status, run.stderr).toBe(0);
    const { losses, tensors } = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { losses: number[][]; tensors: number };
    const [one, two] = losses;
    expect(two).toHaveLength(8);
    // Same weights, batches and Adam: only the float32 summation order of the two halves differs,
    // and it compounds over 8 steps to far below the loss's movement (about 0.3 here).
    two.forEach((l, i) => expect(Math.abs(l - one[i])).toBeLessThan(1e-3));
    expect(Math.abs(one[0] - one[7])).toBeGreaterThan(0.01);
    expect(tensors).toBe(0);
  }, 180_000);
});
