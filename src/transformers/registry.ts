/** className → builder for transformers (save/load). Adding one: one line in `builtins`. */
import { FileFormatError } from '../errors.js';
import type { JsonObject, Serialized } from '../module.js';
import { AffineTransformer } from './affine.js';
import { SplineTransformer, splineOptionsFromConfig } from './rq-spline-transformer.js';
import type { Transformer } from './transformer.js';

const builtins: Record<string, (c: JsonObject) => Transformer> = {
  SplineTransformer: (c) => new SplineTransformer(splineOptionsFromConfig(c)),
  AffineTransformer: (c) => new AffineTransformer({ scale: c.scale as 'exp' | 'softplus', clamp: c.clamp as number | null }),
};

/** Rebuild a transformer from `{ className, config }`. */
export function transformerFromConfig(serialized: Serialized, source = 'config'): Transformer {
  const builder = builtins[serialized?.className];
  if (!builder) throw new FileFormatError(source, `unknown transformer class ${JSON.stringify(serialized?.className)} (known: ${Object.keys(builtins).join(', ') || 'none'})`);
  return builder(serialized.config ?? {});
}
