/**
 * A worker's failure reported through shared memory, for `fit`'s gradient worker and the evaluation
 * worker alike: the main thread may be blocked in `Atomics.wait`, deaf to messages, so the worker
 * writes its error text into a shared buffer, raises a flag and wakes the waiter. Browser-safe.
 */

/** Where, in a worker protocol's `Int32Array` control block, the failure is reported. */
export interface FailureSlots {
  /** Sequence number of the latest request (read: a failure answers it). */
  REQUEST: number;
  /** Sequence number of the latest answered request (set and notified). */
  DONE: number;
  /** 0 while well, 1 once failed for good. */
  FAILED: number;
  /** Bytes of UTF-8 error text in the error buffer. */
  ERROR_LENGTH: number;
}

/** Write `e`'s stack (or text), cut to the buffer's size, into `error`, and its length into the control block. */
export function writeSharedError(control: Int32Array, slots: FailureSlots, error: SharedArrayBuffer, e: unknown): void {
  const text = (e as Error)?.stack ?? String(e);
  const bytes = new TextEncoder().encode(text).subarray(0, error.byteLength);
  new Uint8Array(error).set(bytes);
  Atomics.store(control, slots.ERROR_LENGTH, bytes.length);
}

/** Report `e` and fail for good: the pending request counts as answered, and its waiter wakes. */
export function failShared(control: Int32Array, slots: FailureSlots, error: SharedArrayBuffer, e: unknown): void {
  writeSharedError(control, slots, error, e);
  Atomics.store(control, slots.FAILED, 1);
  Atomics.store(control, slots.DONE, Atomics.load(control, slots.REQUEST));
  Atomics.notify(control, slots.DONE);
}

/** The error text last written (empty if none). */
export function readSharedError(control: Int32Array, slots: FailureSlots, error: SharedArrayBuffer): string {
  return new TextDecoder().decode(new Uint8Array(error).slice(0, Atomics.load(control, slots.ERROR_LENGTH)));
}
