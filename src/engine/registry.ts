/**
 * The tape-free rules, registered by layer class, as TF.js registers a gradient per kernel name
 * (`registerGradient`): a bijector class gets a {@link TapeFreeRule} (its density pass with a
 * hand-written backward), a transformer class a {@link TransformerRule}. The layers themselves never
 * import this module; `rules/index.ts` is the one list of registrations.
 *
 * A subclass uses the rule of its nearest registered ancestor (`AffineCoupling` and `SplineCoupling`
 * are `Coupling`s with a fixed transformer); a subclass that changes the mathematics registers its own
 * rule, or `null` to take the tape. A layer whose class has no rule trains on the tape, unchanged.
 */
import type { tf } from '../backend.js';
import type { Bijector } from '../bijectors/bijector.js';
import type { Transformer } from '../transformers/transformer.js';
import type { SavedInverse, SavedTransform } from './contract.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Class<T> = abstract new (...args: any[]) => T;

/** How a bijector class joins the tape-free step. */
export interface TapeFreeRule<B extends Bijector = Bijector> {
  /**
   * Whether {@link TapeFreeRule.inverse} is exact for this layer's configuration; `null` if so, else
   * the reason it is not (for example "a residual conditioner"), which `enginePath` reports.
   */
  unsupported(b: B): string | null;
  /**
   * `b.inverse(y, context)` (data → latent) with its backward; `y` `[batch, dim]`, `context`
   * `[batch, contextDim]` or `null` for an unconditional layer. Call inside `tf.tidy`, no tape active.
   */
  inverse(b: B, y: tf.Tensor2D, context: tf.Tensor2D | null): SavedInverse;
  /** The members of a container (a `Chain`): `enginePath` looks inside for the first layer without a rule. */
  members?(b: B): readonly Bijector[];
}

/** How a transformer class joins the tape-free step (inside a coupling or an autoregressive layer). */
export interface TransformerRule<T extends Transformer = Transformer> {
  /** `null` when {@link TransformerRule.inverse} is exact for this transformer's configuration, else why not. */
  unsupported(t: T): string | null;
  /** `t.inverse(y, params)` with its backward; `y` `[batch, dim]`, `params` `[batch, dim, paramsPerDim]`. */
  inverse(t: T, y: tf.Tensor2D, params: tf.Tensor3D): SavedTransform;
}

const bijectorRules = new Map<Class<Bijector>, TapeFreeRule | null>();
const transformerRules = new Map<Class<Transformer>, TransformerRule | null>();

/** Register the tape-free rule of bijector class `cls` (and of its subclasses), or `null` to opt `cls` out. */
export function registerTapeFreeRule<B extends Bijector>(cls: Class<B>, rule: TapeFreeRule<B> | null): void {
  bijectorRules.set(cls, rule as TapeFreeRule | null);
}

/** Register the tape-free rule of transformer class `cls` (and of its subclasses), or `null` to opt out. */
export function registerTransformerRule<T extends Transformer>(cls: Class<T>, rule: TransformerRule<T> | null): void {
  transformerRules.set(cls, rule as TransformerRule | null);
}

/** The rule registered for `value`'s class or its nearest registered ancestor. */
function lookup<R>(rules: Map<Class<never>, R | null>, value: object): R | null {
  for (let p = Object.getPrototypeOf(value); p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    const rule = rules.get(p.constructor);
    if (rule !== undefined) return rule;
  }
  return null;
}

/** The tape-free rule of bijector `b` (by class), or `null`. */
export function tapeFreeRuleOf<B extends Bijector>(b: B): TapeFreeRule<B> | null {
  return lookup(bijectorRules as Map<Class<never>, TapeFreeRule | null>, b) as TapeFreeRule<B> | null;
}

/** The tape-free rule of transformer `t` (by class), or `null`. */
export function transformerRuleOf<T extends Transformer>(t: T): TransformerRule<T> | null {
  return lookup(transformerRules as Map<Class<never>, TransformerRule | null>, t) as TransformerRule<T> | null;
}

/** The first layer of `b` (depth first, density order) the tape-free step cannot take, and why; `null` if none. */
export function layerWithoutRule(b: Bijector): { layer: Bijector; reason: string } | null {
  const rule = tapeFreeRuleOf(b);
  if (!rule) return { layer: b, reason: `${b.className} has no tape-free rule` };
  if (rule.members) {
    for (const m of rule.members(b)) {
      const missing = layerWithoutRule(m);
      if (missing) return missing;
    }
  }
  const why = rule.unsupported(b);
  return why === null ? null : { layer: b, reason: `${b.className}: ${why}` };
}

/** Why transformer `t` has no exact tape-free pass, or `null` when it has one. */
export function transformerUnsupported(t: Transformer): string | null {
  const rule = transformerRuleOf(t);
  return rule ? rule.unsupported(t) : `${t.className} has no tape-free rule`;
}

/** `b`'s density pass with its backward, through its rule (see {@link TapeFreeRule.inverse}). */
export function tapeFreeInverse(b: Bijector, y: tf.Tensor2D, context: tf.Tensor2D | null): SavedInverse {
  const rule = tapeFreeRuleOf(b);
  if (!rule) throw new Error(`tapeFreeInverse: internal: ${b.className} has no tape-free rule`);
  return rule.inverse(b, y, context);
}

/** `t`'s density pass with its backward, through its rule. */
export function transformerInverse(t: Transformer, y: tf.Tensor2D, params: tf.Tensor3D): SavedTransform {
  const rule = transformerRuleOf(t);
  if (!rule) throw new Error(`transformerInverse: internal: ${t.className} has no tape-free rule`);
  return rule.inverse(t, y, params);
}
