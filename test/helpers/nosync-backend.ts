/**
 * A test backend, `cpu-nosync`: TF.js's cpu backend whose synchronous reads (`dataSync`, `arraySync`,
 * `bufferSync`) throw, so that a test running the library on it proves no such read is left on that
 * path. It models the WebGPU backend (whose synchronous read needs `OffscreenCanvas`, absent in Node,
 * and stalls a browser page) without a GPU: `await t.data()` works, anything synchronous does not.
 *
 * TF.js's own cpu kernels are copied to the new name (they may read their inputs synchronously inside
 * the backend, which is not a read by the library); the library's JavaScript kernels (`TfjsFlows…`)
 * are not, so the code takes the path it takes on any backend without them, as on WebGPU.
 */
import { tf } from '../../src/index.js';

export const NOSYNC = 'cpu-nosync';

/** Depth of kernel calls and asynchronous reads in progress: reads inside them are the backend's own. */
let inside = 0;

/** The message every synchronous read on `cpu-nosync` throws. */
export const NOSYNC_MESSAGE = 'cpu-nosync: synchronous read (dataSync/arraySync/bufferSync)';

type ReadSync = (dataId: object) => unknown;

/** Register `cpu-nosync` once (idempotent). Switch to it with `tf.setBackend(NOSYNC)`. */
export function registerNoSyncBackend(): void {
  if (tf.findBackendFactory(NOSYNC)) return;
  const cpu = tf.findBackend('cpu');
  if (!cpu) throw new Error('registerNoSyncBackend: the cpu backend is not registered');
  const Cpu = cpu.constructor as new () => tf.KernelBackend;
  const cpuReadSync = Cpu.prototype.readSync as ReadSync;
  class NoSyncBackend extends Cpu {
    override readSync(dataId: object): tf.BackendValues {
      if (inside === 0) throw new Error(`${NOSYNC_MESSAGE}: use await t.data()`);
      return cpuReadSync.call(this, dataId) as tf.BackendValues;
    }
    override async read(dataId: object): Promise<tf.BackendValues> {
      return cpuReadSync.call(this, dataId) as tf.BackendValues;
    }
  }
  tf.registerBackend(NOSYNC, () => new NoSyncBackend(), -1);
  for (const k of tf.getKernelsForBackend('cpu')) {
    if (k.kernelName.startsWith('TfjsFlows')) continue;
    const run = k.kernelFunc;
    tf.registerKernel({
      ...k,
      backendName: NOSYNC,
      kernelFunc: (args) => {
        inside++;
        try {
          return run(args);
        } finally {
          inside--;
        }
      },
    });
  }
}
