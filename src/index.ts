/**
 * tfjs-flows: normalizing flows for TensorFlow.js.
 *
 * Direction convention (TensorFlow Probability's): a bijector's `forward` maps latent → data
 * (sampling), `inverse` maps data → latent (density); each returns `{ output, logDet }` with the
 * per-example log |det J| of the map it applied. `logProb(x) = base.logProb(z) + inverse(x).logDet`.
 */
// Backend, errors, randomness, shared types
export { ready, backendName, tf, BACKENDS, type BackendName, type ReadyOptions } from './backend.js';
export {
  FlowError,
  ValidationError,
  BackendError,
  NotReadyError,
  NotInvertibleError,
  TrainingError,
  FileFormatError,
  OutOfMemoryError,
  RenderError,
  BrowserNotFoundError,
} from './errors.js';
export { Rng, type Seed, type RngState } from './random.js';
export type { MatrixLike } from './validate.js';
export type { JsonObject, JsonValue, NamedWeight, Serialized } from './module.js';
export { VERSION } from './version.js';

// Bijectors (forward = latent → data, inverse = data → latent)
export { Bijector, type BijectorResult, type InverseKind, type BijectorShape, type ScoreResult, type ScoreRule } from './bijectors/bijector.js';
export { Shift } from './bijectors/shift.js';
export { Scale } from './bijectors/scale.js';
export { ScaleMatvecTriL } from './bijectors/scale-matvec-tril.js';
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
export { Coupling, AffineCoupling, halfMask, type CouplingOptions, type AffineCouplingOptions } from './bijectors/coupling.js';
export {
  MaskedAutoregressive,
  MaskedAutoregressiveAffine,
  type MaskedAutoregressiveOptions,
  type MaskedAutoregressiveAffineOptions,
} from './bijectors/masked-autoregressive.js';
export { LULinear, type LULinearOptions } from './bijectors/lu-linear.js';
export { ActNorm, type ActNormOptions } from './bijectors/act-norm.js';
export { BatchNorm, setTraining, type BatchNormOptions } from './bijectors/batch-norm.js';
export { registerBijector, bijectorFromConfig, type BijectorBuilder } from './bijectors/registry.js';
export { SplineCoupling, type SplineCouplingOptions } from './bijectors/spline-coupling.js';
export { MaskedAutoregressiveSpline, type MaskedAutoregressiveSplineOptions } from './bijectors/masked-autoregressive-spline.js';

// Transformers and networks (the parts couplings and autoregressive layers are made of)
export type { Transformer, TransformerResult } from './transformers/transformer.js';
export { AffineTransformer, type AffineTransformerOptions } from './transformers/affine.js';
export { transformerFromConfig } from './transformers/registry.js';
export { POSITIVE_MAPS, type PositiveMap } from './ops/positive.js';
export { Dense, denseOp, type DenseOptions, type DenseInit } from './nn/dense.js';
export { MLP, type MLPOptions } from './nn/mlp.js';
export { MADE, type MADEOptions } from './nn/made.js';
export { ACTIVATIONS, type Activation } from './nn/activation.js';
export {
  CONDITIONER_TYPES, type ConditionerOptions, type ConditionerType, type CouplingConditioner, type AutoregressiveConditioner,
} from './nn/conditioner.js';
export { ResidualNet, MaskedResidualNet, type ResidualNetOptions, type MaskedResidualNetOptions } from './nn/residual.js';
export { KernelConditioner, MaskedKernelConditioner, type KernelConditionerOptions, type MaskedKernelConditionerOptions } from './nn/kernel-conditioner.js';
export { Dropout } from './nn/dropout.js';
export { CONDITIONER_NORMS, type ConditionerNorm, LayerNorm, HiddenBatchNorm } from './nn/normalization.js';
export { rqSpline, type RQSplineOptions, type RQSplineResult } from './transformers/rq-spline.js';
export { SplineTransformer, type SplineTransformerOptions } from './transformers/rq-spline-transformer.js';

// Base distributions and the Flow
export { Distribution } from './distributions/distribution.js';
export { StandardNormal } from './distributions/standard-normal.js';
export { DiagNormal, type DiagNormalOptions } from './distributions/diag-normal.js';
export { StudentT, type StudentTOptions } from './distributions/student-t.js';
export { ConditionalDiagNormal, type ConditionalDiagNormalOptions } from './distributions/conditional-diag-normal.js';
export { ConditionalMixtureOfGaussians, type ConditionalMixtureOfGaussiansOptions } from './distributions/conditional-mixture-of-gaussians.js';
export { MixtureOfGaussians, type MixtureOfGaussiansOptions } from './distributions/mixture-of-gaussians.js';
export { Uniform, boxToReal, realToBox, type UniformOptions } from './distributions/uniform.js';
export { TailAdaptiveBase, type TailAdaptiveBaseOptions } from './distributions/tail-adaptive-base.js';
export { distributionFromConfig } from './distributions/registry.js';
export { Flow, type SampleOptions, type SerializedFlow, type Standardization } from './flow.js';
export { setMemoryBudget, memoryBudget, DEFAULT_MEMORY_BUDGET } from './memory/row-chunks.js';

// Flow builders
export { realNVP, type RealNVPOptions, type CouplingFlowOptions } from './flows/real-nvp.js';
export { neuralSplineFlow, type NeuralSplineFlowOptions } from './flows/neural-spline-flow.js';
export {
  maskedAutoregressiveFlow,
  type MaskedAutoregressiveFlowOptions,
  type AutoregressiveFlowOptions,
} from './flows/masked-autoregressive-flow.js';
export { defaultConditionerWidth, type Normalization } from './flows/options.js';
export { planarFlow, type PlanarFlowOptions } from './flows/planar-flow.js';
export { radialFlow, type RadialFlowOptions } from './flows/radial-flow.js';
export { tailAdaptiveFlow, type TailAdaptiveFlowOptions } from './flows/tail-adaptive-flow.js';

// Training
export { fit, type FitOptions } from './train/fit.js';
export { enginePath, type EnginePath, type Objective, type PathChoice } from './engine/select.js';
export {
  parseCheckpoint,
  CHECKPOINT_FORMAT,
  CHECKPOINT_FORMAT_VERSION,
  type CheckpointDocument,
  type CheckpointSink,
  type CheckpointPlan,
} from './train/checkpoint.js';
export type { FitData, StreamBatch, BatchWithContext } from './train/fit-data.js';
export type { FitHistory, StopReason } from './train/history.js';
export type { AdamOptions } from './train/optimizer.js';
export type { StepInfo, EpochInfo, TrainingCallbacks } from './train/callbacks.js';
export { cosineDecay, type LearningRate, type ScheduleSpec, type ScheduleFunction } from './train/schedule.js';
export { fitToTarget, type FitToTargetOptions, type FitToTargetHistory } from './train/fit-to-target.js';
export type { GradientEstimator } from './train/path-gradient.js';
export { linearAnneal, type BetaFunction } from './train/anneal.js';
export { stopGradient, scaleGradient } from './ops/gradient.js';

// Inference and target energies
export type { LogTarget } from './inference/log-target.js';
export { importanceSample, type ImportanceSampleOptions, type ImportanceSampleResult } from './inference/importance-sample.js';
export { energies } from './energies/index.js';
export type { Energy, Box as EnergyBox } from './energies/energy.js';
export { sampleDoubleWell, doubleWellFreeEnergy, DOUBLE_WELL_LEFT_MASS } from './energies/double-well.js';
export { freeEnergyProfile, freeEnergyProfileError, type FreeEnergyProfile, type ProfileError, type ProfileOptions } from './inference/free-energy.js';
export { summarizeLogWeights, type WeightSummary } from './inference/weights.js';

// Stochastic normalizing flows (bijectors interleaved with MCMC blocks; importance weights, no logProb)
export { StochasticBlock, type BlockOptions } from './stochastic/block.js';
export { MetropolisBlock } from './stochastic/metropolis.js';
export { LangevinBlock, type LangevinOptions } from './stochastic/langevin.js';
export { HMCBlock, type HMCBlockOptions } from './stochastic/hmc-block.js';
export { applyLayer, type FlowLayer, type LayerContext, type LayerResult } from './stochastic/layer.js';
export { StochasticFlow, interleaveBlocks, type InterleaveOptions, type SampleWithWeightsOptions, type SerializedStochasticFlow } from './stochastic/stochastic-flow.js';
export { trainStochasticFlow, type TrainStochasticFlowOptions } from './stochastic/train.js';
export { stochasticFlowToJSON, stochasticFlowFromJSON, type StochasticFlowDocument } from './stochastic/io.js';
export { registerStochasticBlock, type BlockBuilder } from './stochastic/registry.js';

// MCMC: plain and flow-accelerated samplers, chain diagnostics
export { hmc, type HMCOptions, type HMCResult } from './mcmc/hmc.js';
export { flowHMC, pullBack, type FlowHMCResult } from './mcmc/flow-hmc.js';
export { flowIndependenceMH, type IndependenceMHOptions, type IndependenceMHResult } from './mcmc/independence-mh.js';
export { type McmcResult, coordinate, summarizeChains } from './mcmc/chains.js';
export { DualAveraging } from './mcmc/dual-averaging.js';
export {
  essBulk, essTail, splitRhat, integratedAutocorrelationTime, autocorrelation, summarizeScalar, rankNormalize, splitChains, type ChainSummary,
} from './mcmc/diagnostics.js';

// Data
export { datasets, type DatasetName } from './data/datasets.js';
export type { ToyDataset, ToyDatasetWithDensity, ToyOptions } from './data/toy.js';

// Statistical baselines (float64, plain JavaScript)
export { fitGaussian, type Gaussian, type GaussianOptions } from './stats/gaussian.js';
export {
  fitGaussianMixture,
  selectGaussianMixture,
  type GaussianMixture,
  type GaussianMixtureOptions,
  type GaussianMixtureSelection,
} from './stats/gaussian-mixture.js';
export { gaussianBaseline, type GaussianBaseline, type BaselineSplit } from './stats/baseline.js';

// Diagnostics
export { checkBijector, type BijectorCheck, type CheckBijectorOptions } from './diagnostics/check-bijector.js';
export {
  estimateTails,
  tailDiagnostics,
  type EstimateTailsOptions,
  type MarginalTail,
  type TailDiagnosticsOptions,
  type TailEstimate,
  type TailMethod,
} from './diagnostics/tails.js';
export { tailIndexOfTop, tailMatchedScale, tailValueAtRisk } from './diagnostics/tail-index.js';

// Save and load (browser-safe: documents, URLs and tf.io handlers; files are in tfjs-flows/node)
export { FLOW_FORMAT, FLOW_FORMAT_VERSION, flowToJSON, flowToJSONAsync, flowFromJSON, parseFlowDocument, type FlowDocument } from './io/format.js';
export { loadFlowFromUrl } from './io/fetch-flow.js';
export { saveFlow, loadFlow, type FlowDestination, type FlowSource, type SaveFlowOptions } from './io/tf-io.js';
export { snapshotWeights, restoreWeights, type WeightSnapshot, type HasWeights } from './io/snapshot.js';
export {
  encodeWeight,
  decodeWeight,
  type WeightArray,
  type WeightRecord,
  type WeightDType,
  type WeightValues,
} from './io/weight-codec.js';

// Plots (figure builders; HTML and PNG output are in tfjs-flows/node)
export type { PlotFigure, PlotTrace, PlotLayout, PlotFrame } from './plot/figure.js';
export type { LogDensity, EvaluationOptions } from './plot/source.js';
export type { Range as PlotRange } from './plot/bounds.js';
export { logDensityGrid, type DensityGrid, type DensityGridOptions, type BoundsOptions } from './plot/grid.js';
export { densityFigure, type DensityFigureOptions } from './plot/density.js';
export { samplesFigure, type SamplesFigureOptions } from './plot/samples.js';
export { trainingCurvesFigure, type TrainingHistory, type TrainingCurvesOptions } from './plot/training.js';
export { layersFigure } from './plot/layers.js';
export { layerStates, type LayersFigureOptions, type LayerStates, type ColorBy } from './plot/layer-states.js';
export { densityComparisonFigure, type DensityComparisonOptions } from './plot/compare.js';
export { density1dFigure, type Density1dOptions } from './plot/density-1d.js';
export { traceFigure, autocorrelationFigure, type TraceFigureOptions, type AutocorrelationFigureOptions } from './plot/trace.js';
export { freeEnergyFigure, type ProfileCurve } from './plot/free-energy.js';

// Types that public signatures mention (options, checkpoint documents, base classes)
export type { Module } from './module.js';
export type { SelectOptions } from './engine/select.js';
export type { ConditionerSpec } from './nn/conditioner.js';
export type { LogDensity as BlockLogDensity } from './stochastic/block.js';
export type { StandardizeMode } from './train/standardization.js';
export type { MemoryPosition, StreamPosition } from './train/fit-data.js';
export type { Rows } from './stats/rows.js';
