/**
 * className → builder, for rebuilding bijectors from `{ className, config }` (save/load).
 * Adding a bijector: one line in `builtins` below.
 */
import { FileFormatError, ValidationError, describe } from '../errors.js';
import type { JsonObject, Serialized } from '../module.js';
import { ActNorm } from './act-norm.js';
import { Affine } from './affine.js';
import { BatchNorm } from './batch-norm.js';
import type { Bijector } from './bijector.js';
import { Chain } from './chain.js';
import { AffineCoupling, Coupling } from './coupling.js';
import { Exp } from './exp.js';
import { Invert } from './invert.js';
import { Logit } from './logit.js';
import { LULinear } from './lu-linear.js';
import { MaskedAutoregressive, MaskedAutoregressiveAffine } from './masked-autoregressive.js';
import { MaskedAutoregressiveSpline } from './masked-autoregressive-spline.js';
import { SplineCoupling } from './spline-coupling.js';
import { Permute } from './permute.js';
import { Planar, type PlanarActivation } from './planar.js';
import { Radial } from './radial.js';
import { Reverse } from './reverse.js';
import { Scale } from './scale.js';
import { ScaleMatvecTriL } from './scale-matvec-tril.js';
import { Shift } from './shift.js';
import { Sigmoid } from './sigmoid.js';
import { Softplus } from './softplus.js';
import { Tanh } from './tanh.js';

/** Rebuilds a bijector from its config; `build` rebuilds nested members. */
export type BijectorBuilder = (config: JsonObject, build: (s: Serialized) => Bijector) => Bijector;

const builtins: Record<string, BijectorBuilder> = {
  ActNorm: (c) => new ActNorm(c.dim as number, { eps: c.eps as number }),
  Affine: (c) => new Affine(c.dim as number, { trainable: c.trainable as boolean }),
  AffineCoupling: (c) => AffineCoupling.fromConfig(c),
  BatchNorm: (c) => new BatchNorm(c.dim as number, { momentum: c.momentum as number, eps: c.eps as number }),
  Chain: (c, build) => Chain.fromConfig(c, build),
  Coupling: (c) => Coupling.fromConfig(c),
  Exp: () => new Exp(),
  Invert: (c, build) => Invert.fromConfig(c, build),
  Logit: () => new Logit(),
  LULinear: (c) => new LULinear(c.dim as number, { diagonal: c.diagonal as 'exp' | 'softplus', permutation: (c.permutation as number[] | null) ?? undefined }),
  MaskedAutoregressive: (c) => MaskedAutoregressive.fromConfig(c),
  MaskedAutoregressiveAffine: (c) => MaskedAutoregressiveAffine.fromConfig(c),
  MaskedAutoregressiveSpline: (c) => MaskedAutoregressiveSpline.fromConfig(c),
  SplineCoupling: (c) => SplineCoupling.fromConfig(c),
  Permute: (c) => new Permute(c.permutation as number[]),
  Planar: (c) => new Planar(c.dim as number, { activation: c.activation as PlanarActivation, ...(c.slope === undefined ? {} : { slope: c.slope as number }) }),
  Radial: (c) => new Radial(c.dim as number),
  Reverse: () => new Reverse(),
  Scale: (c) => new Scale(c.scale as number | number[]),
  ScaleMatvecTriL: (c) => new ScaleMatvecTriL(c.scaleTril as number[][]),
  Shift: (c) => new Shift(c.shift as number | number[]),
  Sigmoid: () => new Sigmoid(),
  Softplus: () => new Softplus(),
  Tanh: () => new Tanh(),
};

const registry = new Map<string, BijectorBuilder>(Object.entries(builtins));

/**
 * Make a custom bijector class loadable: `registerBijector('MyBijector', (c) => new MyBijector(c.dim))`.
 * Registering a name twice is an error (two copies of a class would silently shadow each other).
 */
export function registerBijector(className: string, builder: BijectorBuilder): void {
  if (typeof className !== 'string' || className.length === 0) throw new ValidationError('registerBijector', 'className', 'a non-empty string', describe(className));
  if (registry.has(className)) throw new ValidationError('registerBijector', 'className', 'a name not registered yet', JSON.stringify(className));
  registry.set(className, builder);
}

/**
 * Rebuild a bijector (weights freshly initialised) from `{ className, config }`. If it fails, the
 * members already rebuilt are disposed before the error propagates.
 */
export function bijectorFromConfig(serialized: Serialized, source = 'config'): Bijector {
  const builder = registry.get(serialized?.className);
  if (!builder) {
    throw new FileFormatError(source, `unknown bijector class ${JSON.stringify(serialized?.className)} (known: ${[...registry.keys()].join(', ')}; custom classes need registerBijector)`);
  }
  // Members built before a later one fails belong to nobody yet: dispose them, or their weights leak.
  const built: Bijector[] = [];
  try {
    return builder(serialized.config ?? {}, (s) => {
      const b = bijectorFromConfig(s, source);
      built.push(b);
      return b;
    });
  } catch (e) {
    for (const b of built) b.dispose();
    throw e;
  }
}
