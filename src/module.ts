/**
 * What bijectors and distributions share: named weights (trainable or frozen state) and a plain-JSON
 * config. `{ className, config }` plus the weights, in `weights` order, rebuild the object
 * (see `bijectors/registry.ts`); save/load builds on exactly this.
 */
import { assertReady, tf } from './backend.js';
import { ValidationError, describe } from './errors.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** One named weight. `trainable: false` marks state that training must not touch (running statistics…). */
export interface NamedWeight {
  name: string;
  variable: tf.Variable;
  trainable: boolean;
}

/** The architecture of an object without its weights. */
export interface Serialized {
  className: string;
  config: JsonObject;
}

export abstract class Module {
  /** Registry name; stable across versions because saved models refer to it. */
  abstract readonly className: string;
  private readonly own: NamedWeight[] = [];
  /**
   * Training mode: layers that behave differently while training (batch statistics, dropout) read it;
   * every other module ignores it. Switch a whole flow with {@link setTraining}.
   */
  training = false;

  /** Whether this module behaves differently in training mode (what {@link setTraining} counts). */
  get hasTrainingMode(): boolean {
    return false;
  }

  /** Plain-JSON constructor options that rebuild this object (weights excluded). */
  abstract getConfig(): JsonObject;

  /** Architecture as `{ className, config }`. */
  serialize(): Serialized {
    return { className: this.className, config: this.getConfig() };
  }

  /** Sub-modules whose weights belong to this one (listed after its own, prefixed `i/`). */
  protected children(): readonly Module[] {
    return [];
  }

  /** This module and all its sub-modules, depth first (for switches such as `setTraining`). */
  modules(): Module[] {
    return [this, ...this.children().flatMap((c) => c.modules())];
  }

  /** Every weight, own first then children's, with stable names. */
  get weights(): NamedWeight[] {
    const out = [...this.own];
    this.children().forEach((child, i) => {
      for (const w of child.weights) out.push({ ...w, name: `${i}/${w.name}` });
    });
    return out;
  }

  /** The variables an optimiser should update. */
  get trainableVariables(): tf.Variable[] {
    return this.weights.filter((w) => w.trainable).map((w) => w.variable);
  }

  /** Copy values into the weights by name (shapes must match). Used by load and by early stopping. */
  setWeights(values: Record<string, tf.Tensor | Float32Array | number[]>): void {
    const fn = `${this.className}.setWeights`;
    if (values === null || typeof values !== 'object') throw new ValidationError(fn, 'values', 'an object of values by weight name', describe(values));
    // Check every entry before assigning any, so a bad entry leaves all weights unchanged.
    for (const w of this.weights) {
      const v: unknown = values[w.name];
      const arg = `values['${w.name}']`;
      const expected = `${w.variable.size} finite numbers (shape [${w.variable.shape.join(', ')}])`;
      if (v === undefined) throw new ValidationError(fn, 'values', `an entry for weight '${w.name}'`, 'none');
      if (v instanceof tf.Tensor) {
        if (v.isDisposed) throw new ValidationError(fn, arg, expected, 'a disposed tensor');
        if (v.size !== w.variable.size) throw new ValidationError(fn, arg, expected, `${v.size}`);
        continue;
      }
      if (!((ArrayBuffer.isView(v) && !(v instanceof DataView)) || Array.isArray(v))) throw new ValidationError(fn, arg, expected, describe(v));
      const list = v as ArrayLike<unknown>;
      if (list.length !== w.variable.size) throw new ValidationError(fn, arg, expected, `${list.length}`);
      for (let i = 0; i < list.length; i++) {
        const x = list[i];
        if (typeof x !== 'number' || !Number.isFinite(x)) throw new ValidationError(fn, arg, expected, `${describe(x)} at index ${i}`);
      }
    }
    for (const w of this.weights) {
      const v = values[w.name];
      const dtype = w.variable.dtype;
      tf.tidy(() => w.variable.assign(tf.reshape(v instanceof tf.Tensor ? tf.cast(v, dtype) : tf.tensor(v as Float32Array, w.variable.shape, dtype), w.variable.shape)));
    }
  }

  /** Free every weight. The object is unusable afterwards. */
  dispose(): void {
    for (const w of this.own) w.variable.dispose();
    for (const c of this.children()) c.dispose();
  }

  /** Create a weight from an initial value (a tensor, or values with a shape). Needs `ready()`. */
  protected addWeight(name: string, init: tf.Tensor | (() => tf.Tensor), trainable = true): tf.Variable {
    assertReady(`new ${this.className}`);
    const value = typeof init === 'function' ? tf.tidy(init) : init;
    const variable = tf.variable(value, trainable);
    if (typeof init === 'function') value.dispose();
    this.own.push({ name, variable, trainable });
    return variable;
  }
}

/**
 * Switch every module inside `target` — a flow, a bijector or any module — to training (`true`) or
 * evaluation (`false`) mode. Returns how many of them behave differently in training mode
 * (BatchNorm layers, conditioner networks with dropout or batch normalisation).
 */
export function setTraining(target: Module | { bijector: Module; base: Module }, training: boolean): number {
  if (typeof training !== 'boolean') throw new ValidationError('setTraining', 'training', 'a boolean', describe(training));
  const roots = target instanceof Module ? [target] : target && target.bijector instanceof Module ? [target.base, target.bijector] : null;
  if (!roots) throw new ValidationError('setTraining', 'target', 'a Flow, Bijector or Module', describe(target));
  let n = 0;
  for (const m of roots.flatMap((r) => r.modules())) {
    m.training = training;
    if (m.hasTrainingMode) n++;
  }
  return n;
}
