/** A copy of weights kept aside, for restoring the best ones (early stopping) or after a failure. */
import { tf } from '../backend.js';

export class WeightSnapshot {
  private values: tf.Tensor[] | null = null;

  constructor(private readonly variables: readonly tf.Variable[]) {}

  /** Whether a copy has been taken. */
  get taken(): boolean {
    return this.values !== null;
  }

  /** Copy the current values (replacing any earlier copy). */
  take(): void {
    this.dispose();
    this.values = this.variables.map((v) => tf.clone(v));
  }

  /** Write the copy back into the variables. */
  restore(): void {
    if (!this.values) return;
    this.variables.forEach((v, i) => v.assign(this.values![i]));
  }

  dispose(): void {
    if (this.values) tf.dispose(this.values);
    this.values = null;
  }
}
