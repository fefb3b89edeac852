/**
 * The law of the tape-free rules, on the bijector case table (test/helpers/bijector-cases.ts): for
 * every case whose class has a registered rule (and whose configuration the rule takes), the
 * tape-free step of `Flow(StandardNormal, case)` gives the loss `−mean log p(y | c)` within 2e-6
 * relative and every gradient within 2e-5 of that variable's largest |gradient|, against
 * `tf.variableGrads` of the same loss (the tape), with the case's context when it has one; and the
 * rule's input adjoint `∂loss/∂y` (what the layer hands to the layer before it) within 2e-5 of its
 * largest entry against `tf.grad`, which also covers layers without weights (permutations). A new rule
 * joins by its one line in `src/engine/rules/index.ts`; a new case of a class with a rule joins by
 * its line in the table. Every rule must be exercised in 2, 5 and 10 dimensions, and with a context
 * in each when any of its cases has one.
 *
 * The data `y` are the case's domain points mapped by `forward` (so they lie in the density
 * direction's domain), 32 rows; every weight is perturbed by the table, so no gradient is trivially 0.
 */
import { describe, expect, it } from 'vitest';
import { type Bijector, Flow, Rng, StandardNormal, tf } from '../../src/index.js';
import { GradientSink } from '../../src/engine/contract.js';
import { layerWithoutRule, tapeFreeInverse, tapeFreeRuleOf } from '../../src/engine/registry.js';
import { tapeFreeStep } from '../../src/engine/tape-free-step.js';
import { type BijectorCase, bijectorCases } from '../helpers/bijector-cases.js';

const LOSS_TOL = 2e-6;
const GRAD_TOL = 2e-5;
const ROWS = 32;

/** Whether the engine takes `b` as it is configured (its class, and every member's, has an exact rule). */
function takesRule(b: Bijector): boolean {
  return layerWithoutRule(b) === null;
}

function data(c: BijectorCase, b: Bijector): { y: tf.Tensor2D; context: tf.Tensor2D | null } {
  const rng = new Rng(`law:${c.name}`);
  const x = c.domain(rng, ROWS);
  const context = c.contextDim ? tf.tensor2d(Array.from({ length: ROWS }, () => Array.from({ length: c.contextDim! }, () => rng.normal()))) : null;
  const y = tf.tidy(() => b.forward(tf.tensor2d(x), context).output);
  return { y, context };
}

/** Loss and gradients (plain arrays) of one path. */
function read(r: { value: tf.Scalar; grads: tf.NamedTensorMap }) {
  const out = { loss: r.value.dataSync()[0], grads: Object.fromEntries(Object.entries(r.grads).map(([k, g]) => [k, Array.from(g.dataSync())])) };
  tf.dispose([r.value, ...Object.values(r.grads)]);
  return out;
}

describe.each(bijectorCases)('tape-free law: $name', (c) => {
  it('equals the tape (loss and every gradient), leaving no tensor behind', (ctx) => {
    const b = c.make();
    if (!takesRule(b)) {
      b.dispose();
      ctx.skip();
      return;
    }
    const flow = new Flow(new StandardNormal(c.dim), b);
    const { y, context } = data(c, b);
    const step = tapeFreeStep(flow);
    expect(step).not.toBeNull();
    // The tape-free step first: a layer with a data-dependent initialisation (ActNorm) initialises
    // from this batch there, as the tape path's first call would; the tape then sees the same weights.
    const before = tf.memory().numTensors;
    const fast = read(step!(y, context));
    expect(tf.memory().numTensors).toBe(before);
    const loss = (yy: tf.Tensor2D) => tf.neg(tf.mean(flow.logProbUnchecked(yy, context))) as tf.Scalar;
    const weighted = flow.trainableVariables.length > 0;
    const tape = weighted ? read(tf.variableGrads(() => loss(y), flow.trainableVariables)) : { loss: tf.tidy(() => loss(y).dataSync()[0]), grads: {} };
    expect(Number.isFinite(tape.loss)).toBe(true);
    expect(Math.abs(fast.loss - tape.loss)).toBeLessThanOrEqual(LOSS_TOL * Math.abs(tape.loss));
    const names = flow.trainableVariables.map((v) => v.name).sort();
    expect(Object.keys(fast.grads).sort()).toEqual(names);
    for (const name of names) {
      const [a, f] = [tape.grads[name], fast.grads[name]];
      const scale = Math.max(...a.map(Math.abs));
      const worst = Math.max(...a.map((v, i) => Math.abs(v - f[i])));
      // A variable the loss does not depend on has a zero gradient on both paths.
      expect(worst, name).toBeLessThanOrEqual(scale > 0 ? GRAD_TOL * scale : 1e-7);
    }
    // The input adjoint: the rule's backward with needInput, for the loss −mean(log N(z) + logDet).
    const dyTape = Array.from(tf.tidy(() => tf.grad((yy: tf.Tensor) => loss(yy as tf.Tensor2D))(y)).dataSync());
    const dyFast = tf.tidy(() => {
      const pass = tapeFreeInverse(b, y, context);
      const dLogProb = tf.fill([ROWS], -1 / ROWS) as tf.Tensor1D;
      const dz = tf.mul(pass.output, 1 / ROWS) as tf.Tensor2D;
      return pass.backward(dz, dLogProb, new GradientSink(), true)!;
    });
    const dyScale = Math.max(...dyTape.map(Math.abs));
    const dyWorst = Math.max(...Array.from(dyFast.dataSync()).map((v, i) => Math.abs(v - dyTape[i])));
    dyFast.dispose();
    expect(dyScale).toBeGreaterThan(0);
    expect(dyWorst, 'd loss / d y').toBeLessThanOrEqual(GRAD_TOL * dyScale);
    tf.dispose([y, ...(context ? [context] : [])]);
    flow.dispose();
  });
});

describe('tape-free law: coverage', () => {
  it('every rule the table exercises runs in 2, 5 and 10 dimensions, and with a context in each when it takes one', () => {
    const dims = new Map<object, { name: string; plain: Set<number>; context: Set<number> }>();
    for (const c of bijectorCases) {
      const b = c.make();
      const rule = takesRule(b) ? tapeFreeRuleOf(b) : null;
      if (rule) {
        const seen = dims.get(rule) ?? { name: b.className, plain: new Set<number>(), context: new Set<number>() };
        (c.contextDim ? seen.context : seen.plain).add(c.dim);
        dims.set(rule, seen);
      }
      b.dispose();
    }
    // Chain, Coupling, Permute, Reverse, ActNorm and LULinear at least.
    expect(dims.size).toBeGreaterThanOrEqual(6);
    for (const { name, plain, context } of dims.values()) {
      const all = new Set([...plain, ...context]);
      for (const d of [2, 5, 10]) {
        expect(all.has(d), `${name} in ${d} dimensions`).toBe(true);
        if (context.size > 0) expect(context.has(d), `${name} with a context in ${d} dimensions`).toBe(true);
      }
    }
  });
});
