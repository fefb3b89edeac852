/**
 * The evaluation worker from the built package (the compiled `eval-worker.js`, not the tsx
 * bootstrap), in a child `node` process that never stops the worker itself: it must get the same
 * logProb as one thread, have used the worker, and exit by itself (the worker is unref'd).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtPackage, repoRoot as root } from '../helpers/built-package.js';

describe('two-thread evaluation from the compiled package', () => {
  const pkg = builtPackage('built-eval-');
  const outDir = pkg.dir;

  it('logProb of 50k rows uses the compiled worker, equals one thread, and the process exits by itself', () => {
    pkg.build();
    const script = `
      const { ready, datasets, realNVP, tf } = await import(${JSON.stringify(join(outDir, 'index.js'))});
      const { evaluateLogProb, evaluationThreadsReady } = await import(${JSON.stringify(join(outDir, 'node.js'))});
      const { evaluationWorkerCalls } = await import(${JSON.stringify(join(outDir, 'parallel/two-thread-eval.js'))});
      await ready();
      const started = await evaluationThreadsReady();
      const flow = realNVP({ dim: 2, layers: 4, hidden: [16, 16], seed: 3 });
      const x = datasets.moons(50_000, { seed: 1 });
      const two = evaluateLogProb(flow, x, { threads: 2 });
      const calls = evaluationWorkerCalls();
      const one = flow.logProb(x);
      const a = two.dataSync(), b = one.dataSync();
      let same = a.length === b.length;
      for (let i = 0; i < a.length && same; i++) same = a[i] === b[i];
      tf.dispose([two, one, x]);
      flow.dispose();
      console.log(JSON.stringify({ started, calls, same, tensors: tf.memory().numTensors }));
    `;
    // No process.exit in the script: a worker that kept the process alive would hit the timeout.
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000, cwd: root });
    expect(run.signal, 'the child did not exit by itself').toBeNull();
    expect(run.status, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { started: boolean; calls: number; same: boolean; tensors: number };
    expect(out).toEqual({ started: true, calls: 1, same: true, tensors: 0 });
  }, 180_000);
});
