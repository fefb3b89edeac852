/**
 * The gradient worker of `fit({ threads: 2 })` (a `worker_threads` entry, never imported): rebuilds
 * the flow from its document on the same backend, then per request loads the shared weights, runs
 * the tape-free step on its rows and writes the loss and gradients back (layout: `protocol.ts`).
 */
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { ready, tf } from '../../backend.js';
import { flowFromJSON, type FlowDocument } from '../../io/format.js';
import { tapeFreeStep, type ValueAndGrads } from '../../engine/tape-free-step.js';
import { float32InPlace } from '../../kernels/js-kernel.js';
import { failShared } from '../../parallel/shared-failure.js';
import { COMMAND, SLOT, type WorkerInit } from './protocol.js';

const init = workerData as WorkerInit;
const control = new Int32Array(init.control);

/** Report `e` through shared memory (see `parallel/shared-failure.ts`). */
const fail = (e: unknown): void => failShared(control, SLOT, init.error, e);

async function start(): Promise<{ step: ValueAndGrads; vars: tf.Variable[] }> {
  const backend = await ready();
  if (backend !== init.backend) throw new Error(`the worker runs the ${backend} backend, the main thread ${init.backend}`);
  const flow = flowFromJSON(init.flow as FlowDocument, 'fit worker');
  const step = tapeFreeStep(flow);
  if (!step) throw new Error('the rebuilt flow has no tape-free step');
  const vars = flow.trainableVariables;
  const shapes = vars.map((v) => v.shape.join('x')).join(',');
  const expected = init.shapes.map((s) => s.join('x')).join(',');
  if (shapes !== expected) throw new Error(`the rebuilt flow's trainable shapes ${shapes} differ from ${expected}`);
  return { step, vars };
}

/** Answer requests after number `seen` until told to stop. */
function serve(step: ValueAndGrads, vars: tf.Variable[], seen: number): void {
  const { dim } = init;
  const weights = new Float32Array(init.weights);
  const results = new Float32Array(init.results);
  let data = new Float32Array(init.data);
  for (;;) {
    Atomics.wait(control, SLOT.REQUEST, seen);
    seen = Atomics.load(control, SLOT.REQUEST);
    if (Atomics.load(control, SLOT.COMMAND) === COMMAND.STOP) {
      stopping = true;
      return;
    }
    if (Atomics.load(control, SLOT.NEW_DATA_BUFFER) === 1) {
      data = new Float32Array(receiveMessageOnPort(init.port)!.message as SharedArrayBuffer);
      Atomics.store(control, SLOT.NEW_DATA_BUFFER, 0);
    }
    const rows = Atomics.load(control, SLOT.ROWS);
    // New tensors rather than writes in place: wasm's matMul caches packed weights by tensor id.
    tf.tidy(() => {
      let offset = 0;
      for (const v of vars) {
        // From a view, not a copy: the backend copies the values into its own memory (wasm) or keeps the
        // view (cpu), and the main thread writes the next weights only after this step is done.
        v.assign(tf.tensor(weights.subarray(offset, offset + v.size), v.shape));
        offset += v.size;
      }
    });
    const x = tf.tensor2d(data.slice(0, rows * dim), [rows, dim]);
    const { value, grads } = step(x);
    x.dispose();
    // dataSync outside any tidy: inside one it walks every element. Threads run on cpu and wasm only,
    // where this read is a copy from host memory.
    results[0] = value.dataSync()[0];
    let offset = 1;
    for (const v of vars) {
      const g = grads[v.name];
      if (g) results.set(float32InPlace(g) ?? g.dataSync(), offset);
      else results.fill(0, offset, offset + v.size);
      offset += v.size;
    }
    tf.dispose([value, ...Object.values(grads)]);
    Atomics.store(control, SLOT.DONE, seen);
    Atomics.notify(control, SLOT.DONE);
  }
}

let stopping = false;
// An exit the catch below did not see (an error thrown from a callback of the wasm runtime): a main
// thread waiting for a step would otherwise wait for its whole timeout.
process.on('exit', (code) => {
  if (!stopping && Atomics.load(control, SLOT.FAILED) === 0) fail(new Error(`the worker exited with code ${code}`));
});

start()
  .then(({ step, vars }) => {
    // Read before announcing readiness: the first request may arrive before `serve` starts.
    const seen = Atomics.load(control, SLOT.REQUEST);
    parentPort!.postMessage('ready');
    serve(step, vars, seen);
  })
  .catch(fail)
  .finally(() => init.port.close());
