/**
 * The bad-input catalogue's harness: a case is a call that must throw a typed library error
 * (a `FlowError` subclass, never a TF.js internal error or a plain TypeError) naming the argument,
 * what was expected and what arrived, and must leave the live tensor count unchanged.
 */
import { expect } from 'vitest';
import { FlowError, ValidationError, tf } from '../../src/index.js';

type ErrorClass = abstract new (...args: never[]) => FlowError;

export interface BadCase {
  /** What is wrong, e.g. 'logProb: ragged x'. */
  name: string;
  /**
   * Arguments the caller owns (tensors, bijectors): built before the tensor count is taken and
   * disposed after it is checked, so only what the entry point itself allocates counts as a leak.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  given?: () => any;
  /** The call (gets what `given` built); may return a promise. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  run: (given: any) => unknown;
  /** Expected class (default `ValidationError`). */
  error?: ErrorClass;
  /** For a ValidationError: the argument it must name (`e.argument`, exact string or pattern). */
  arg?: string | RegExp;
  /** The message must match this too (e.g. the file name or the offending value). */
  message?: RegExp;
}

/** Run one case and check the error it raises and the tensor count around it. */
export async function expectBadInput(c: BadCase): Promise<void> {
  const given: unknown = c.given?.();
  try {
    await expectThrowsTyped(c, given);
  } finally {
    disposeGiven(given);
  }
}

function disposeGiven(given: unknown): void {
  const items = Array.isArray(given) ? given : [given];
  for (const g of items) {
    if (g instanceof tf.Tensor) g.dispose();
    else if (g !== null && typeof g === 'object' && typeof (g as { dispose?: unknown }).dispose === 'function') (g as { dispose(): void }).dispose();
  }
}

async function expectThrowsTyped(c: BadCase, given: unknown): Promise<void> {
  const before = tf.memory().numTensors;
  let thrown: unknown = undefined;
  let returned: unknown = undefined;
  try {
    returned = await c.run(given);
  } catch (e) {
    thrown = e;
  }
  if (thrown === undefined) {
    if (returned instanceof tf.Tensor || (returned !== null && typeof returned === 'object')) tf.dispose(returned as tf.TensorContainer);
    throw new Error(`${c.name}: no error was thrown`);
  }
  const e = thrown as Error;
  const detail = `${c.name}: ${e?.constructor?.name}: ${e?.message}`;
  expect(e, detail).toBeInstanceOf(FlowError);
  expect(e, detail).toBeInstanceOf(c.error ?? ValidationError);
  expect(e.name, detail).toBe((c.error ?? ValidationError).name);
  if (e instanceof ValidationError) {
    for (const field of ['fn', 'argument', 'expected', 'got'] as const) {
      expect(typeof e[field] === 'string' && e[field].length > 0, `${detail} (empty .${field})`).toBe(true);
    }
    expect(e.message, detail).toContain(`'${e.argument}'`);
    expect(e.message, detail).toContain(e.expected);
    expect(e.message, detail).toContain(e.got);
    if (c.arg !== undefined) {
      if (typeof c.arg === 'string') expect(e.argument, detail).toBe(c.arg);
      else expect(e.argument, detail).toMatch(c.arg);
    }
  } else {
    expect(c.arg, `${c.name}: 'arg' given for a non-ValidationError`).toBeUndefined();
  }
  if (c.message) expect(e.message, detail).toMatch(c.message);
  expect(tf.memory().numTensors, `${c.name}: leaked tensors`).toBe(before);
}

/** `f()` must throw synchronously a `ValidationError` whose `argument` is `arg`. */
export function expectValidationError(f: () => unknown, arg: string): void {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    expect((e as ValidationError).argument).toBe(arg);
    return;
  }
  throw new Error(`no error for ${arg}`);
}
