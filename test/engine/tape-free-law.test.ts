/**
 * The law of the tape-free rules, on the bijector case table (test/helpers/bijector-cases.ts): for
 * every case whose class has a registered rule (and whose configuration the rule takes), the
 * tape-free step of `Flow(StandardNormal, case)` gives the loss `−mean log p(y | c)` within 2e-6
 * relative and every gradient within 2e-5 of that variable's largest |gradient|, against
 * `tf.variableGrads` of the same loss (the tape), with the case's context when it has one; and the
 * rule's input adjoint `∂loss/∂y` (what the layer hands to the layer before it) within 2e-5 of its
 * largest entry against `tf.grad`, which also covers layers without weights (permutations). On wasm
 * and cpu (the backends with the engine's kernels); on wasm the 2-D couplings take the fused kernels
 * (`fused-2d`), so the law covers that path too. A case with a training mode (BatchNorm) is checked
 * in both modes; in training mode the running statistics each path leaves behind must agree too.
 *
 * A new rule joins by its one line in `src/engine/rules/index.ts`; a new case of a class with a rule
 * joins by its line in the table. Only the cases the engine takes become tests (none is skipped); a
 * coverage test lists the classes without a rule and the configurations a rule declines, so a rule
 * that silently stops applying fails it. Every rule must be exercised in 2, 5 and 10 dimensions, and
 * with a context in each when any of its cases has one.
 *
 * The data `y` are the case's domain points mapped by `forward` (so they lie in the density
 * direction's domain), 32 rows; every weight is perturbed by the table, so no gradient is trivially 0.
 */
import { describe, expect, it } from 'vitest';
import { type Bijector, Flow, Rng, StandardNormal, ready, setTraining, tf } from '../../src/index.js';
import { GradientSink } from '../../src/engine/contract.js';
import { layerWithoutRule, tapeFreeInverse, tapeFreeRuleOf } from '../../src/engine/registry.js';
import { selectPath } from '../../src/engine/select.js';
import { tapeFreeStep } from '../../src/engine/tape-free-step.js';
import { KERNEL_BACKENDS, useBackend } from '../helpers/backends.js';
import { type BijectorCase, bijectorCases } from '../helpers/bijector-cases.js';

const LOSS_TOL = 2e-6;
const GRAD_TOL = 2e-5;
const ROWS = 32;

/** Whether the engine takes `b` as it is configured (its class, and every member's, has an exact rule). */
function takesRule(b: Bijector): boolean {
  return layerWithoutRule(b) === null;
}

// The table split at collection time (building a layer needs the backend), so that only the cases the
// engine takes become tests (nothing is skipped), and the split itself is checked below.
await ready();
const verdicts = bijectorCases.map((c) => {
  const b = c.make();
  const missing = layerWithoutRule(b);
  const rule = missing ? null : tapeFreeRuleOf(b);
  const verdict = { c, rule, className: b.className, missing: missing ? { className: missing.layer.className, reason: missing.reason } : null };
  b.dispose();
  return verdict;
});
const ruleCases = verdicts.filter((v) => v.rule !== null).map((v) => v.c);

/**
 * Classes of the table with no tape-free rule at all (they train on the tape). Adding a rule moves a
 * class out of this list, and the law then checks its cases: update the list with the rule.
 */
const NO_RULE = [
  'Affine', 'Exp', 'Invert', 'Logit', 'Planar', 'Radial',
  'Scale', 'ScaleMatvecTriL', 'Shift', 'Sigmoid', 'Softplus', 'Tanh',
];

/** Cases whose class has a rule that declines their configuration (conditioners other than the plain MLP or MADE). */
const DECLINED = [
  'AffineCoupling, resnet conditioner 5D',
  'AffineCoupling, resnet + batch norm + dropout (eval), context 2, 4D',
  'AffineCoupling, MLP + layer norm 5D',
  'AffineCoupling, MLP + weight norm + dropout (eval) 3D',
  'AffineCoupling, MLP + batch norm 2D',
  'AffineCoupling, kernel conditioner 2D',
  'SplineCoupling, kernel conditioner 5D, context 2',
  'MaskedAutoregressiveAffine, MADE + weight norm, context 2, 3D',
  'MaskedAutoregressiveAffine, masked kernel 4D',
  'MaskedAutoregressiveAffine, masked resnet + batch norm + dropout (eval) 4D',
  'MaskedAutoregressiveSpline, masked kernel 3D, context 1',
  'MaskedAutoregressiveSpline, masked resnet 3D',
];

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

/** The values of the flow's frozen weights (running statistics, initialisation flags), by name. */
function frozen(flow: Flow): Record<string, Float32Array> {
  return Object.fromEntries(flow.bijector.weights.filter((w) => !w.trainable).map((w) => [w.name, Float32Array.from(w.variable.dataSync())]));
}

/** The law for one flow in its current mode. */
function expectTapeEqualsRules(flow: Flow, y: tf.Tensor2D, context: tf.Tensor2D | null): void {
  const b = flow.bijector;
  const step = tapeFreeStep(flow);
  expect(step).not.toBeNull();
  // The tape-free step first: a layer with a data-dependent initialisation (ActNorm) initialises from
  // this batch there, as the tape path's first call would. Layers that update frozen state (BatchNorm's
  // running statistics in training mode) start both paths from the same state and must end alike.
  const start = frozen(flow);
  const before = tf.memory().numTensors;
  const fast = read(step!(y, context));
  expect(tf.memory().numTensors).toBe(before);
  const afterFast = frozen(flow);
  const initialised = Object.keys(start).some((k) => k.endsWith('initialized') && start[k][0] !== afterFast[k][0]);
  if (!initialised) flow.bijector.setWeights({ ...Object.fromEntries(b.weights.map((w) => [w.name, w.variable])), ...start });
  const loss = (yy: tf.Tensor2D) => tf.neg(tf.mean(flow.logProbUnchecked(yy, context))) as tf.Scalar;
  const weighted = flow.trainableVariables.length > 0;
  const tape = weighted ? read(tf.variableGrads(() => loss(y), flow.trainableVariables)) : { loss: tf.tidy(() => loss(y).dataSync()[0]), grads: {} };
  const afterTape = frozen(flow);
  for (const name of Object.keys(afterTape)) {
    afterTape[name].forEach((v, i) => expect(Math.abs(v - afterFast[name][i]), `frozen ${name}`).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(v))));
  }
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
}

for (const backend of KERNEL_BACKENDS) {
  describe.each(ruleCases)(`tape-free law on ${backend}: $name`, (c) => {
    useBackend(backend);
    it('equals the tape (loss, every gradient, the input adjoint), leaving no tensor behind', () => {
      const b = c.make();
      expect(takesRule(b)).toBe(true);
      const flow = new Flow(new StandardNormal(c.dim), b);
      const { y, context } = data(c, b);
      expectTapeEqualsRules(flow, y, context);
      if (b.modules().some((m) => m.hasTrainingMode)) {
        setTraining(flow, true);
        expectTapeEqualsRules(flow, y, context);
        setTraining(flow, false);
      }
      tf.dispose([y, ...(context ? [context] : [])]);
      flow.dispose();
    });
  });
}

describe('tape-free law: coverage', () => {
  it('the cases left to the tape are exactly those of classes without a rule and of configurations a rule declines', () => {
    const left = verdicts.filter((v) => v.missing !== null);
    const noRule = [...new Set(left.filter((v) => v.missing!.reason.endsWith('has no tape-free rule')).map((v) => v.missing!.className))].sort();
    expect(noRule).toEqual([...NO_RULE].sort());
    const declined = left.filter((v) => !v.missing!.reason.endsWith('has no tape-free rule')).map((v) => v.c.name);
    expect(declined.sort()).toEqual([...DECLINED].sort());
    expect(ruleCases.length + left.length).toBe(bijectorCases.length);
  });

  it('every rule the table exercises runs in 2, 5 and 10 dimensions, and with a context in each when it takes one', () => {
    const dims = new Map<object, { name: string; plain: Set<number>; context: Set<number> }>();
    for (const { c, rule, className } of verdicts) {
      if (!rule) continue;
      const seen = dims.get(rule) ?? { name: className, plain: new Set<number>(), context: new Set<number>() };
      (c.contextDim ? seen.context : seen.plain).add(c.dim);
      dims.set(rule, seen);
    }
    // Chain, Coupling, Permute, Reverse, ActNorm, BatchNorm and LULinear at least.
    expect(dims.size).toBeGreaterThanOrEqual(7);
    for (const { name, plain, context } of dims.values()) {
      const all = new Set([...plain, ...context]);
      for (const d of [2, 5, 10]) {
        expect(all.has(d), `${name} in ${d} dimensions`).toBe(true);
        if (context.size > 0) expect(context.has(d), `${name} with a context in ${d} dimensions`).toBe(true);
      }
    }
  });
});

describe('tape-free law: both fast paths on wasm', () => {
  useBackend('wasm');

  it('the law runs cases through the whole-chain kernel (fused-2d) and through the per-layer rules (tape-free)', () => {
    const paths = new Map<string, string[]>();
    for (const c of ruleCases) {
      const flow = new Flow(new StandardNormal(c.dim), c.make());
      const { path } = selectPath(flow, { batchSize: ROWS });
      paths.set(path, [...(paths.get(path) ?? []), c.name]);
      flow.dispose();
    }
    expect(paths.get('tape')).toBeUndefined();
    expect(paths.get('fused-2d')).toContain('AffineCoupling 2D');
    expect(paths.get('tape-free')!.length).toBeGreaterThan(20);
  });
});
