/**
 * Whether TF.js may be recording a gradient tape right now: `tf.grad`, `tf.variableGrads`,
 * `optimizer.minimize` and friends raise `engine.state.gradientDepth` while they run the function
 * they differentiate.
 *
 * Why: inference-only fast paths (fused matMul + bias + activation, column kernels without
 * intermediate copies) are taken only when nothing is recorded, the same test `tf.fused.matMul`
 * itself makes before fusing. `gradientDepth` is a TF.js internal, pinned with the TF.js version
 * and checked by a test.
 */
import { tf } from '../backend.js';

interface EngineWithState {
  state: { gradientDepth: number };
}

/** `true` while a gradient is being computed (a conservative test: also true inside a custom gradient's forward). */
export function gradientsRecorded(): boolean {
  return (tf.engine() as unknown as EngineWithState).state.gradientDepth > 0;
}
