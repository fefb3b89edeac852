import { syncReadsAreCheap, tf } from '../backend.js';
import { ValidationError } from '../errors.js';

let checking = true;

/**
 * Run `f` with the domain checks below switched off, so values outside a bijector's domain flow
 * through as NaN or ±∞ instead of throwing. Internal: the density plots use it to find, in one pass,
 * which grid points lie outside a flow's support, then recompute the others with the checks on.
 */
export function withoutDomainChecks<T>(f: () => T): T {
  const previous = checking;
  checking = false;
  try {
    return f();
  } finally {
    checking = previous;
  }
}

/**
 * Check every value of `x` lies in the open interval (lo, hi); throws a `ValidationError` naming the
 * first offending value otherwise. Costs one read-back, so only bijectors with a restricted domain call it.
 * On a GPU backend that read would stall or throw: there the check is skipped and values outside the
 * domain give NaN or ±∞ (as with the checks off).
 */
export function checkOpenInterval(fn: string, arg: string, x: tf.Tensor2D, lo: number, hi: number): void {
  if (!checking || !syncReadsAreCheap()) return;
  const bad = tf.tidy(() => tf.logicalNot(tf.logicalAnd(tf.greater(x, lo), tf.less(x, hi))));
  const flags = bad.dataSync();
  bad.dispose();
  const i = flags.indexOf(1);
  if (i < 0) return;
  const cols = x.shape[1];
  const v = x.dataSync()[i];
  const range = `(${Number.isFinite(lo) ? lo : '−∞'}, ${Number.isFinite(hi) ? hi : '∞'})`;
  throw new ValidationError(fn, arg, `values in the open interval ${range}`, `${v} at row ${Math.floor(i / cols)}, column ${i % cols}`);
}
