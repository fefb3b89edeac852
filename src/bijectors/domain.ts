import { tf } from '../backend.js';
import { ValidationError } from '../errors.js';

/**
 * Check every value of `x` lies in the open interval (lo, hi); throws a `ValidationError` naming the
 * first offending value otherwise. Costs one read-back, so only bijectors with a restricted domain call it.
 */
export function checkOpenInterval(fn: string, arg: string, x: tf.Tensor2D, lo: number, hi: number): void {
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
