/** The catalogue's harness fails on each way an entry point can mishandle bad input. */
import { describe, expect, it } from 'vitest';
import { FileFormatError, ValidationError, tf } from '../../src/index.js';
import { expectBadInput } from '../helpers/bad-input.js';

const typed = () => {
  throw new ValidationError('f', 'x', 'a matrix', 'a string');
};

describe('expectBadInput', () => {
  it('passes a typed error naming the argument, with nothing leaked', async () => {
    await expectBadInput({ name: 'ok', run: typed, arg: 'x' });
    await expectBadInput({ name: 'ok file', run: () => Promise.reject(new FileFormatError('a.json', 'truncated')), error: FileFormatError, message: /a\.json/ });
  });

  it('fails when nothing is thrown', async () => {
    await expect(expectBadInput({ name: 'c', run: () => 1 })).rejects.toThrow(/no error was thrown/);
  });

  it('fails on a TF.js error or a plain TypeError', async () => {
    await expect(expectBadInput({ name: 'c', run: () => tf.add(tf.zeros([2]), tf.zeros([3])) })).rejects.toThrow(/FlowError/);
    await expect(expectBadInput({ name: 'c', run: () => (null as unknown as { a: number }).a })).rejects.toThrow(/FlowError/);
  });

  it('fails on the wrong class, the wrong argument or the wrong message', async () => {
    await expect(expectBadInput({ name: 'c', run: typed, error: FileFormatError })).rejects.toThrow();
    await expect(expectBadInput({ name: 'c', run: typed, arg: 'y' })).rejects.toThrow();
    await expect(expectBadInput({ name: 'c', run: typed, message: /nope/ })).rejects.toThrow();
  });

  it('fails on a leaked tensor, and does not count what `given` built', async () => {
    let leaked: tf.Tensor | undefined;
    const leaky = () => {
      leaked = tf.zeros([1]);
      typed();
    };
    await expect(expectBadInput({ name: 'c', run: leaky })).rejects.toThrow(/leaked tensors/);
    leaked?.dispose();
    const before = tf.memory().numTensors;
    await expectBadInput({ name: 'c', given: () => tf.zeros([2]), run: typed });
    expect(tf.memory().numTensors).toBe(before);
  });
});
