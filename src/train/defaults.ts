/**
 * The defaults of `fit` that depend on the data, in one place (documented in docs/defaults.md and
 * the README). Each rule says what it protects against.
 *
 * - Validation schedule: once per epoch, but at least about 20 times over a run whose epochs are long
 *   (200,000 rows at batch 256 is 781 steps per epoch: validating once per epoch would mean once per
 *   run). A table smaller than a batch is one epoch per step, so it is validated after every step.
 * - Best-validation weights: restored at the end whenever validation exists (`restoreBest`), so an
 *   over-fitted end of the run never becomes the model.
 * - Early stopping (`patience`) when validation exists and the run is long relative to the data: more
 *   than {@link LONG_RUN_EPOCHS} planned passes over the training rows. Patience is a fifth of the
 *   planned validations (at least {@link MIN_PATIENCE}): a run stops when a fifth of it went by without
 *   a new best, which on small tables (where over-fitting starts early) saves most of the run.
 */

import { TailAdaptiveBase } from '../distributions/tail-adaptive-base.js';
import type { Flow } from '../flow.js';
import { defaultConditionerWidth } from '../flows/options.js';
import type { StandardizeMode } from './standardization.js';

/** Fewest and most default steps, and the passes over the data the default aims for in between. */
export const MIN_DEFAULT_STEPS = 1000;
export const MAX_DEFAULT_STEPS = 5000;
export const DEFAULT_EPOCHS = 40;

/**
 * Steps when neither `steps` nor `epochs` is given (data in memory): {@link DEFAULT_EPOCHS} passes over
 * the training rows, at least {@link MIN_DEFAULT_STEPS} and at most {@link MAX_DEFAULT_STEPS}. Small
 * tables get 1,000 steps (early stopping ends most of them far sooner); 33,600 rows of zipcodes at
 * batch 256 get 5,000, where 1,000 steps had left NSF 0.05 nats behind a 16-component Gaussian mixture,
 * 2,620 (20 epochs) still 0.004, and 4,000 put it 0.03 ahead (`npm run bench:tabular`). 40 rather than
 * 30 passes: the affine families with ELU conditioners were still improving at 30 (synthetic-32d, MAF
 * 0.050 → 0.044 per dimension at 40), and no flow got worse on the sets the change reaches
 * (docs/defaults.md); flows that stop improving stop early anyway.
 */
export function defaultSteps(stepsPerEpoch: number): number {
  return Math.min(MAX_DEFAULT_STEPS, Math.max(MIN_DEFAULT_STEPS, DEFAULT_EPOCHS * stepsPerEpoch));
}

/**
 * The command line's conditioner width for `rows` training rows of `dim` columns (two hidden layers of
 * it): the power of 2 nearest √rows, at least 16, at most the width for the dimension
 * (`max(64, 4·dim)` as a power of 2, at most 256). Small tables get small networks: on 786 rows of
 * movies (7 columns), MAF with 64-unit layers lost to the Gaussian on one seed of two (+0.46 nats) and
 * with 32 beat it by 0.98 and 0.88. The library's builders do not see the data: they take the cap,
 * {@link defaultConditionerWidth} of the dimension.
 */
export function defaultHiddenWidth(rows: number, dim: number): number {
  const pow2 = (v: number) => 2 ** Math.round(Math.log2(Math.max(1, v)));
  return Math.min(defaultConditionerWidth(dim), Math.max(16, pow2(Math.sqrt(rows))));
}

/**
 * The standardisation `fit` installs with `standardize: true` (see `standardization.ts`): `'auto'`,
 * whitening below 30 training rows per column and per-column scaling from there on
 * (`autoStandardizeMode`), except for a flow over a `TailAdaptiveBase` with heavy dimensions, which is
 * always scaled per column. Whitening's data side `x = mean + std · (C u)` mixes every latent column into
 * the later data columns, so the heavy latent tails that mTAF keeps apart from the light columns would
 * leak into light data columns; and mTAF's tail-matched scales are in column-standardised units. On the
 * mTAF benchmark (bench/tail-adaptive.ts, 6,000 steps, seeds 1–3) the model's Hill index on heavy
 * columns came within 0.5 ± 0.15 on 12 of 12 (11 whitened), its light columns read 0.10–0.12 (up to
 * 0.35 whitened).
 */
export function defaultStandardize(flow: Flow): StandardizeMode | 'auto' {
  return flow.base instanceof TailAdaptiveBase && flow.base.heavy.length > 0 ? 'columns' : 'auto';
}

/** A run is "long relative to the data" beyond this many planned epochs (see the module comment). */
export const LONG_RUN_EPOCHS = 10;

/** Fewest validations without improvement before a default early stop. */
export const MIN_PATIENCE = 10;

/** Validations planned per run at least, when epochs are long. */
export const MIN_VALIDATIONS = 20;

/** Steps between validations: an epoch, or less so that a run validates about {@link MIN_VALIDATIONS} times. */
export function defaultValidateEvery(stepsPerEpoch: number, totalSteps: number | null): number {
  if (totalSteps === null) return stepsPerEpoch;
  return Math.max(1, Math.min(stepsPerEpoch, Math.ceil(totalSteps / MIN_VALIDATIONS)));
}

/**
 * The default patience (in validations), or `null` for no early stopping: only when the run plans more
 * than {@link LONG_RUN_EPOCHS} epochs (`always` drops that condition, as the CLI does).
 */
export function defaultPatience(totalSteps: number | null, stepsPerEpoch: number, validateEvery: number, always = false): number | null {
  if (totalSteps === null) return always ? MIN_PATIENCE : null;
  const epochs = totalSteps / stepsPerEpoch;
  if (!always && epochs <= LONG_RUN_EPOCHS) return null;
  const validations = Math.ceil(totalSteps / validateEvery);
  return Math.max(MIN_PATIENCE, Math.ceil(validations / 5));
}
