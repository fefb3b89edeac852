/** The flow families the command line builds, from its options. */
import { ValidationError } from '../errors.js';
import type { Flow } from '../flow.js';
import { maskedAutoregressiveFlow } from '../flows/masked-autoregressive-flow.js';
import { neuralSplineFlow } from '../flows/neural-spline-flow.js';
import { planarFlow } from '../flows/planar-flow.js';
import { realNVP } from '../flows/real-nvp.js';
import type { JsonObject } from '../module.js';
import type { Normalization } from '../flows/options.js';

export const FLOW_KINDS = ['nsf', 'realnvp', 'maf', 'planar'] as const;
export type FlowKind = (typeof FLOW_KINDS)[number];

/** Layers when `--layers` is not given (the builders' defaults; planar layers are cheap, so more). */
export const DEFAULT_LAYERS: Record<FlowKind, number> = { nsf: 4, realnvp: 6, maf: 5, planar: 16 };

/** What the command line asks for; `undefined` fields take the builder's default. */
export interface FlowSpec {
  kind: FlowKind;
  dim: number;
  contextDim: number;
  layers?: number;
  hidden?: number[];
  bins?: number;
  tailBound?: number;
  autoregressive?: boolean;
  /** A normalisation layer between flow layers (`--normalization`; the builders' default `none`). */
  normalization?: Normalization;
  seed: number | string;
}

const FN = 'tfjs-flows fit';

/** Build the untrained flow of `spec`; options that do not apply to its kind are refused. */
export function buildFlow(spec: FlowSpec): Flow {
  const { kind, dim, contextDim, hidden, seed } = spec;
  const layers = spec.layers ?? DEFAULT_LAYERS[kind];
  const onlyNsf = { '--bins': spec.bins, '--tail-bound': spec.tailBound, '--autoregressive': spec.autoregressive };
  for (const [flag, value] of Object.entries(onlyNsf)) {
    if (value !== undefined && kind !== 'nsf') throw new ValidationError(FN, flag, 'given only with --flow nsf', `--flow ${kind}`);
  }
  if (kind === 'planar') {
    if (hidden !== undefined) throw new ValidationError(FN, '--hidden', 'absent with --flow planar (planar layers have no hidden network)', hidden.join(','));
    if (contextDim > 0) throw new ValidationError(FN, '--context-columns', 'absent with --flow planar (planar flows are unconditional)', `${contextDim} context column(s)`);
    if (spec.normalization !== undefined && spec.normalization !== 'none') throw new ValidationError(FN, '--normalization', 'none with --flow planar (planar flows take no normalisation layers)', spec.normalization);
    return planarFlow({ dim, layers, seed });
  }
  if ((kind === 'realnvp' || (kind === 'nsf' && !spec.autoregressive)) && dim < 2) {
    throw new ValidationError(FN, '--columns', `at least 2 data columns for coupling layers (use --flow maf${kind === 'nsf' ? ' or --autoregressive' : ''} for 1 column)`, `${dim} column`);
  }
  const common = { dim, layers, contextDim, seed, ...(hidden ? { hidden } : {}), ...(spec.normalization ? { normalization: spec.normalization } : {}) };
  if (kind === 'realnvp') return realNVP(common);
  if (kind === 'maf') return maskedAutoregressiveFlow(common);
  return neuralSplineFlow({
    ...common,
    ...(spec.bins !== undefined ? { bins: spec.bins } : {}),
    ...(spec.tailBound !== undefined ? { tailBound: spec.tailBound } : {}),
    ...(spec.autoregressive ? { autoregressive: true } : {}),
  });
}

/** `spec` as JSON for metadata and metrics (defaults filled in where the command line knows them). */
export function specToJson(spec: FlowSpec): JsonObject {
  const out: JsonObject = { kind: spec.kind, dim: spec.dim, contextDim: spec.contextDim, layers: spec.layers ?? DEFAULT_LAYERS[spec.kind], seed: spec.seed };
  if (spec.hidden) out.hidden = spec.hidden;
  if (spec.bins !== undefined) out.bins = spec.bins;
  if (spec.tailBound !== undefined) out.tailBound = spec.tailBound;
  if (spec.autoregressive) out.autoregressive = true;
  if (spec.normalization && spec.normalization !== 'none') out.normalization = spec.normalization;
  return out;
}
