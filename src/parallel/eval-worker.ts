/**
 * The evaluation worker (a `worker_threads` entry, never imported): loads TF.js on the main
 * thread's backend, rebuilds each flow it is sent through `flowFromJSON`, and per request loads that
 * flow's current weights from shared memory, evaluates its rows and writes the results back
 * (layout: `eval-protocol.ts`).
 */
import { receiveMessageOnPort, workerData } from 'node:worker_threads';
import { ready, tf } from '../backend.js';
import type { Flow } from '../flow.js';
import { FLOW_FORMAT, FLOW_FORMAT_VERSION, flowFromJSON, type FlowDocument } from '../io/format.js';
import { encodeWeight } from '../io/weight-codec.js';
import { VERSION } from '../version.js';
import { failShared, writeSharedError } from './shared-failure.js';
import { EVAL_COMMAND, EVAL_SLOT, EVAL_STATUS, type EvalFlowMessage, type EvalMessage, type EvalWorkerInit } from './eval-protocol.js';

const init = workerData as EvalWorkerInit;
const control = new Int32Array(init.control);

/** Why the latest flow could not be used, through shared memory (see `shared-failure.ts`). */
const writeError = (e: unknown): void => writeSharedError(control, EVAL_SLOT, init.error, e);

/** Fail for good, through shared memory: the main thread may be blocked in `Atomics.wait`, deaf to messages. */
const fail = (e: unknown): void => failShared(control, EVAL_SLOT, init.error, e);

/** A rebuilt flow and where each of its weights sits in the shared weight buffer. */
interface Rebuilt {
  flow: Flow;
  slots: { variable: tf.Variable; offset: number; size: number }[];
}

function rebuild(m: EvalFlowMessage): Rebuilt {
  const doc: FlowDocument = {
    format: FLOW_FORMAT,
    formatVersion: FLOW_FORMAT_VERSION,
    libraryVersion: VERSION,
    architecture: m.architecture as FlowDocument['architecture'],
    weights: m.weights.map(encodeWeight),
  };
  const flow = flowFromJSON(doc, 'evaluation worker');
  const byName = new Map(flow.weights.map((w) => [w.name, w.variable]));
  let offset = 0;
  const slots = m.weights.map((w) => {
    const variable = byName.get(w.name)!;
    const slot = { variable, offset, size: variable.size };
    offset += variable.size;
    return slot;
  });
  return { flow, slots };
}

/** Answer requests after number `seen` until told to stop. */
function serve(seen: number): void {
  const flows = new Map<number, Rebuilt | Error>();
  let weights = new ArrayBuffer(0) as ArrayBufferLike;
  let input: Float32Array = new Float32Array(0);
  let output: Float32Array = new Float32Array(0);
  for (;;) {
    Atomics.wait(control, EVAL_SLOT.REQUEST, seen);
    seen = Atomics.load(control, EVAL_SLOT.REQUEST);
    for (let r = receiveMessageOnPort(init.port); r; r = receiveMessageOnPort(init.port)) {
      const m = r.message as EvalMessage;
      if (m.type === 'buffers') {
        weights = m.weights;
        input = new Float32Array(m.input);
        output = new Float32Array(m.output);
      } else if (m.type === 'flow') {
        try {
          flows.set(m.id, rebuild(m));
        } catch (e) {
          flows.set(m.id, e as Error);
        }
      } else {
        const f = flows.get(m.id);
        if (f && !(f instanceof Error)) f.flow.dispose();
        flows.delete(m.id);
      }
    }
    const command = Atomics.load(control, EVAL_SLOT.COMMAND);
    if (Atomics.load(control, EVAL_SLOT.CRASH_NEXT) === 1) process.exit(70);
    if (command === EVAL_COMMAND.STOP) {
      stopping = true;
      return;
    }
    let status: number = EVAL_STATUS.OK;
    try {
      const entry = flows.get(Atomics.load(control, EVAL_SLOT.FLOW));
      if (!entry) throw new Error('unknown flow id');
      if (entry instanceof Error) throw entry;
      evaluate(entry, command, Atomics.load(control, EVAL_SLOT.ROWS), { weights, input, output });
    } catch (e) {
      writeError(e);
      status = EVAL_STATUS.FLOW_FAILED;
    }
    Atomics.store(control, EVAL_SLOT.STATUS, status);
    Atomics.store(control, EVAL_SLOT.DONE, seen);
    Atomics.notify(control, EVAL_SLOT.DONE);
  }
}

function evaluate({ flow, slots }: Rebuilt, command: number, rows: number, buffers: { weights: ArrayBufferLike; input: Float32Array; output: Float32Array }): void {
  const floats = new Float32Array(buffers.weights);
  const ints = new Int32Array(buffers.weights);
  // New tensors rather than writes in place: wasm's matMul caches packed weights by tensor id.
  tf.tidy(() => {
    for (const { variable, offset, size } of slots) {
      const d = variable.dtype;
      const values = d === 'float32' ? floats.slice(offset, offset + size) : d === 'bool' ? Uint8Array.from(ints.subarray(offset, offset + size)) : ints.slice(offset, offset + size);
      variable.assign(tf.tensor(values, variable.shape, d));
    }
  });
  const dim = flow.dim;
  const cdim = flow.contextDim;
  const x = tf.tensor2d(buffers.input.slice(0, rows * dim), [rows, dim]);
  const context = cdim > 0 ? tf.tensor2d(buffers.input.slice(rows * dim, rows * (dim + cdim)), [rows, cdim]) : null;
  try {
    if (command === EVAL_COMMAND.LOG_PROB) {
      const lp = flow.logProbUnchecked(x, context);
      // dataSync outside any tidy: inside one it walks every element.
      buffers.output.set(lp.dataSync());
      lp.dispose();
    } else {
      const { output, logDet } = flow.forwardUnchecked(x, context);
      buffers.output.set(output.dataSync());
      buffers.output.set(logDet.dataSync(), rows * dim);
      tf.dispose([output, logDet]);
    }
  } finally {
    tf.dispose([x, ...(context ? [context] : [])]);
  }
}

let stopping = false;
// An exit the catch below did not see: a main thread waiting for an answer would otherwise wait for
// its whole timeout.
process.on('exit', (code) => {
  if (!stopping && Atomics.load(control, EVAL_SLOT.FAILED) === 0) fail(new Error(`the evaluation worker exited with code ${code}`));
});

ready()
  .then((backend) => {
    if (backend !== init.backend) throw new Error(`the worker runs the ${backend} backend, the main thread ${init.backend}`);
    // Read before announcing readiness: the first request may arrive before `serve` starts.
    const seen = Atomics.load(control, EVAL_SLOT.REQUEST);
    Atomics.store(control, EVAL_SLOT.READY, 1);
    serve(seen);
  })
  .catch(fail)
  .finally(() => init.port.close());
