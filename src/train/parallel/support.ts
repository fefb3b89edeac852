/**
 * What `fit` needs to know about two-thread training before loading it: whether the runtime can run
 * it, and the handle it gets back. Browser-safe (no Node imports): the worker code stays behind the
 * dynamic import of `two-thread-step.ts`.
 */
import type { ValueAndGrads } from '../../engine/tape-free-step.js';

export interface TwoThreadStep {
  /** The combined step: same contract as the tape-free `ValueAndGrads` (loss and gradients of the whole batch). */
  valueAndGrads: ValueAndGrads;
  /** Stop and terminate the worker (idempotent). */
  close(): Promise<void>;
}

/** Whether this runtime can run the gradient worker (Node, with `SharedArrayBuffer`). */
export function twoThreadsSupported(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string' && typeof SharedArrayBuffer === 'function';
}
