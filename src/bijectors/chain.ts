import { tf } from '../backend.js';
import { ValidationError, describe } from '../errors.js';
import type { JsonObject, Module, Serialized } from '../module.js';
import { Bijector, type BijectorResult, type InverseKind, type ScoreResult, type ScoreRule } from './bijector.js';

/**
 * Composition, in TensorFlow Probability's order: `new Chain([f, g, h])` is `f ∘ g ∘ h`, so `forward`
 * applies `h` first and `f` last, and `inverse` applies `f⁻¹` first. List bijectors from the data side
 * to the latent side. Log-dets add up; the context is passed to every member.
 *
 * @example
 * ```ts
 * // forward: x ↦ exp(x + 1)
 * const b = new Chain([new Exp(), new Shift(1)]);
 * ```
 */
export class Chain extends Bijector {
  readonly className = 'Chain';
  readonly bijectors: readonly Bijector[];
  override readonly inverseKind: InverseKind;
  override readonly hasForward: boolean;

  constructor(bijectors: Bijector[]) {
    if (!Array.isArray(bijectors) || !bijectors.every((b) => b instanceof Bijector)) {
      throw new ValidationError('Chain', 'bijectors', 'an array of Bijector instances', describe(bijectors));
    }
    const dims = [...new Set(bijectors.map((b) => b.dim).filter((d): d is number => d !== null))];
    if (dims.length > 1) throw new ValidationError('Chain', 'bijectors', 'bijectors of one dimension', `dimensions ${dims.join(', ')}`);
    const contexts = [...new Set(bijectors.map((b) => b.contextDim).filter((c) => c > 0))];
    if (contexts.length > 1) throw new ValidationError('Chain', 'bijectors', 'conditional bijectors of one context dimension', `context dimensions ${contexts.join(', ')}`);
    super({ dim: dims[0] ?? null, contextDim: contexts[0] ?? 0 });
    this.bijectors = [...bijectors];
    const kinds = bijectors.map((b) => b.inverseKind);
    this.inverseKind = kinds.includes('none') ? 'none' : kinds.includes('numerical') ? 'numerical' : 'analytic';
    this.hasForward = bijectors.every((b) => b.hasForward);
  }

  static fromConfig(config: JsonObject, build: (s: Serialized) => Bijector): Chain {
    return new Chain((config.bijectors as unknown as Serialized[]).map(build));
  }

  getConfig(): JsonObject {
    return { bijectors: this.bijectors.map((b) => b.serialize() as unknown as JsonObject) };
  }

  protected override children(): readonly Module[] {
    return this.bijectors;
  }

  /**
   * Forward pass keeping every intermediate state: `states[0]` is the input (latent) and `states[k]`
   * the output after the k-th bijector applied (the last member of the list is applied first).
   */
  forwardStates(x: tf.Tensor2D, context?: tf.Tensor2D | null): { states: tf.Tensor2D[]; logDet: tf.Tensor1D } {
    return tf.tidy(() => {
      const states = [x];
      let logDet = tf.zeros([x.shape[0]]) as tf.Tensor1D;
      for (let i = this.bijectors.length - 1; i >= 0; i--) {
        const r = this.bijectors[i].forward(states[states.length - 1], context);
        states.push(r.output);
        logDet = tf.add(logDet, r.logDet);
      }
      return { states, logDet };
    });
  }

  /** `'none'` if a member has no rule, `'analytic'` if every member has its own, else `'autodiff'`. */
  override get scoreRule(): ScoreRule {
    const rules = this.bijectors.map((b) => b.scoreRule);
    return rules.includes('none') ? 'none' : rules.every((r) => r === 'analytic') ? 'analytic' : 'autodiff';
  }

  override scoreFallbacks(): string[] {
    return this.bijectors.flatMap((b) => b.scoreFallbacks());
  }

  /** The score carried through the members in sampling order, each with its own rule. */
  protected override _forwardWithScore(z: tf.Tensor2D, scoreZ: tf.Tensor2D, context: tf.Tensor2D | null): ScoreResult {
    let output = z;
    let score = scoreZ;
    let logDet = tf.zeros([z.shape[0]]) as tf.Tensor1D;
    for (let i = this.bijectors.length - 1; i >= 0; i--) {
      const r = this.bijectors[i].forwardWithScore(output, score, context);
      ({ output, score } = r);
      logDet = tf.add(logDet, r.logDet);
    }
    return { output, logDet, score };
  }

  /** The data-side score carried through the members' inverses in density order. */
  protected override _inverseWithScore(x: tf.Tensor2D, scoreX: tf.Tensor2D, context: tf.Tensor2D | null): ScoreResult {
    let output = x;
    let score = scoreX;
    let logDet = tf.zeros([x.shape[0]]) as tf.Tensor1D;
    for (const b of this.bijectors) {
      const r = b.inverseWithScore(output, score, context);
      ({ output, score } = r);
      logDet = tf.add(logDet, r.logDet);
    }
    return { output, logDet, score };
  }

  protected _forward(x: tf.Tensor2D, context: tf.Tensor2D | null): BijectorResult {
    let output = x;
    let logDet = tf.zeros([x.shape[0]]) as tf.Tensor1D;
    for (let i = this.bijectors.length - 1; i >= 0; i--) {
      const r = this.bijectors[i].forward(output, context);
      output = r.output;
      logDet = tf.add(logDet, r.logDet);
    }
    return { output, logDet };
  }

  protected _inverse(y: tf.Tensor2D, context: tf.Tensor2D | null): BijectorResult {
    let output = y;
    let logDet = tf.zeros([y.shape[0]]) as tf.Tensor1D;
    for (const b of this.bijectors) {
      const r = b.inverse(output, context);
      output = r.output;
      logDet = tf.add(logDet, r.logDet);
    }
    return { output, logDet };
  }
}
