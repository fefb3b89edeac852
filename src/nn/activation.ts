/** Hidden-layer activations of the conditioner networks, by name (names are saved in configs). */
import { tf } from '../backend.js';
import { ValidationError, describe } from '../errors.js';

export const ACTIVATIONS = ['relu', 'tanh', 'elu', 'silu', 'leakyRelu'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

/** Apply activation `name` elementwise (every one has a gradient on the cpu and wasm backends). */
export function activate(name: Activation, x: tf.Tensor2D): tf.Tensor2D {
  switch (name) {
    case 'relu':
      return tf.relu(x);
    case 'tanh':
      return tf.tanh(x);
    case 'elu':
      return tf.elu(x);
    case 'silu':
      return tf.mul(x, tf.sigmoid(x));
    case 'leakyRelu':
      return tf.leakyRelu(x, 0.01);
  }
}

/** Check an activation name from user input; `undefined` gives the default. */
export function checkActivation(fn: string, arg: string, value: unknown, fallback: Activation = 'relu'): Activation {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !(ACTIVATIONS as readonly string[]).includes(value)) {
    throw new ValidationError(fn, arg, `one of ${ACTIVATIONS.join(', ')}`, describe(value));
  }
  return value as Activation;
}
