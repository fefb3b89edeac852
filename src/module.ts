/**
 * What bijectors and distributions share: named weights (trainable or frozen state) and a plain-JSON
 * config. `{ className, config }` plus the weights, in `weights` order, rebuild the object
 * (see `bijectors/registry.ts`); save/load builds on exactly this.
 */
import { assertReady, tf } from './backend.js';
import { ValidationError } from './errors.js';

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
    for (const w of this.weights) {
      const v = values[w.name];
      if (v === undefined) throw new ValidationError(`${this.className}.setWeights`, 'values', `an entry for weight '${w.name}'`, 'none');
      tf.tidy(() => {
        const t = v instanceof tf.Tensor ? v : tf.tensor(v as Float32Array, w.variable.shape);
        if (t.size !== w.variable.size) {
          throw new ValidationError(`${this.className}.setWeights`, `values['${w.name}']`, `${w.variable.size} values (shape [${w.variable.shape.join(', ')}])`, `${t.size}`);
        }
        w.variable.assign(tf.reshape(t, w.variable.shape));
      });
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
