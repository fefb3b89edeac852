/**
 * tfjs-flows: normalizing flows for TensorFlow.js.
 *
 * Direction convention (TensorFlow Probability's): a bijector's `forward` maps latent → data
 * (sampling), `inverse` maps data → latent (density); each returns `{ output, logDet }` with the
 * per-example log |det J| of the map it applied. `logProb(x) = base.logProb(z) + inverse(x).logDet`.
 */
export { ready, backendName, tf, BACKENDS, type BackendName } from './backend.js';
export {
  FlowError,
  ValidationError,
  BackendError,
  NotReadyError,
  NotInvertibleError,
  TrainingError,
  FileFormatError,
} from './errors.js';
export { Rng, type Seed } from './random.js';
export type { MatrixLike } from './validate.js';
export type { JsonObject, JsonValue, NamedWeight, Serialized } from './module.js';

export { Bijector, type BijectorResult, type InverseKind, type BijectorShape } from './bijectors/bijector.js';
export { Shift } from './bijectors/shift.js';
export { Scale } from './bijectors/scale.js';
export { Affine, type AffineOptions } from './bijectors/affine.js';
export { Exp } from './bijectors/exp.js';
export { Softplus } from './bijectors/softplus.js';
export { Sigmoid } from './bijectors/sigmoid.js';
export { Logit } from './bijectors/logit.js';
export { Tanh } from './bijectors/tanh.js';
export { Permute } from './bijectors/permute.js';
export { Reverse } from './bijectors/reverse.js';
export { Planar, type PlanarActivation, type PlanarOptions } from './bijectors/planar.js';
export { Radial, type RadialOptions } from './bijectors/radial.js';
export { Chain } from './bijectors/chain.js';
export { Invert } from './bijectors/invert.js';
export { registerBijector, bijectorFromConfig, type BijectorBuilder } from './bijectors/registry.js';

export { Distribution } from './distributions/distribution.js';
export { StandardNormal } from './distributions/standard-normal.js';
export { DiagNormal, type DiagNormalOptions } from './distributions/diag-normal.js';
export { StudentT, type StudentTOptions } from './distributions/student-t.js';
export { distributionFromConfig } from './distributions/registry.js';

export { Flow, type SampleOptions, type SerializedFlow } from './flow.js';
export { checkBijector, type BijectorCheck, type CheckBijectorOptions } from './diagnostics/check-bijector.js';

export { planarFlow, type PlanarFlowOptions } from './flows/planar-flow.js';
export { radialFlow, type RadialFlowOptions } from './flows/radial-flow.js';
export type { LogTarget } from './inference/log-target.js';
export { importanceSample, type ImportanceSampleOptions, type ImportanceSampleResult } from './inference/importance-sample.js';
export { energies } from './energies/index.js';
export type { Energy, Box as EnergyBox } from './energies/energy.js';
