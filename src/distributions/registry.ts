/** className → builder for base distributions (save/load). Adding one: one line in `builtins`. */
import { FileFormatError } from '../errors.js';
import type { JsonObject, Serialized } from '../module.js';
import type { Activation } from '../nn/activation.js';
import { ConditionalDiagNormal } from './conditional-diag-normal.js';
import { ConditionalMixtureOfGaussians } from './conditional-mixture-of-gaussians.js';
import { DiagNormal } from './diag-normal.js';
import type { Distribution } from './distribution.js';
import { MixtureOfGaussians } from './mixture-of-gaussians.js';
import { StandardNormal } from './standard-normal.js';
import { StudentT } from './student-t.js';
import { TailAdaptiveBase } from './tail-adaptive-base.js';
import { Uniform } from './uniform.js';

const builtins: Record<string, (c: JsonObject) => Distribution> = {
  StandardNormal: (c) => new StandardNormal(c.dim as number),
  DiagNormal: (c) => new DiagNormal(c.dim as number, { trainable: c.trainable as boolean }),
  StudentT: (c) => new StudentT(c.dim as number, { trainable: c.trainable as boolean }),
  ConditionalDiagNormal: (c) =>
    new ConditionalDiagNormal(c.dim as number, c.contextDim as number, { hidden: c.hidden as number[], activation: c.activation as Activation }),
  ConditionalMixtureOfGaussians: (c) =>
    new ConditionalMixtureOfGaussians(c.dim as number, c.contextDim as number, {
      components: c.components as number,
      hidden: c.hidden as number[],
      activation: c.activation as Activation,
    }),
  MixtureOfGaussians: (c) =>
    new MixtureOfGaussians(c.dim as number, { components: c.components as number, covariance: c.covariance as 'diagonal' | 'full', trainable: c.trainable as boolean }),
  Uniform: (c) => new Uniform(c.dim as number, { low: c.low as number[], high: c.high as number[] }),
  TailAdaptiveBase: (c) => new TailAdaptiveBase(c.dim as number, { heavy: c.heavy as number[], trainable: c.trainable as boolean }),
};

/** Rebuild a base distribution (weights freshly initialised) from `{ className, config }`. */
export function distributionFromConfig(serialized: Serialized, source = 'config'): Distribution {
  const builder = builtins[serialized?.className];
  if (!builder) throw new FileFormatError(source, `unknown distribution class ${JSON.stringify(serialized?.className)} (known: ${Object.keys(builtins).join(', ')})`);
  return builder(serialized.config ?? {});
}
