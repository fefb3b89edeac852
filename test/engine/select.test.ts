/**
 * `select.ts` (through the public `enginePath`): which path each flow's training step takes, and why.
 * The paths' numbers are checked against the tape elsewhere (tape-free-step, tape-free-law tests).
 */
import { describe, expect, it } from 'vitest';
import {
  AffineCoupling, Bijector, type BijectorResult, Chain, DiagNormal, Flow, type JsonObject, StandardNormal, enginePath, neuralSplineFlow, realNVP, tf,
} from '../../src/index.js';
import { useBackend } from '../helpers/backends.js';

/** A bijector the engine has never heard of: it must train on the tape, named as the reason. */
class Doubling extends Bijector {
  readonly className = 'Doubling';
  getConfig(): JsonObject {
    return {};
  }
  protected _forward(x: tf.Tensor2D): BijectorResult {
    return { output: tf.mul(x, 2) as tf.Tensor2D, logDet: tf.fill([x.shape[0]], x.shape[1] * Math.log(2)) as tf.Tensor1D };
  }
  protected _inverse(y: tf.Tensor2D): BijectorResult {
    return { output: tf.div(y, 2) as tf.Tensor2D, logDet: tf.fill([y.shape[0]], -y.shape[1] * Math.log(2)) as tf.Tensor1D };
  }
}

describe('enginePath on wasm', () => {
  useBackend('wasm');

  it('a 2-D unconditional RealNVP or NSF takes the fused kernel; 5-D and conditional flows the tape-free rules', () => {
    const flows = [
      [realNVP({ dim: 2, layers: 4, hidden: [16, 16], seed: 1 }), 'fused-2d'],
      [neuralSplineFlow({ dim: 2, layers: 2, bins: 8, hidden: [32, 32], seed: 2 }), 'fused-2d'],
      // 23 spline parameters from 16 hidden units: wider than the fused output pass takes.
      [neuralSplineFlow({ dim: 2, layers: 2, bins: 8, hidden: [16, 16], seed: 6 }), 'tape-free'],
      [realNVP({ dim: 5, layers: 4, hidden: [16, 16], seed: 3 }), 'tape-free'],
      [realNVP({ dim: 2, layers: 2, hidden: [16, 16], contextDim: 3, seed: 4 }), 'tape-free'],
      // Hidden widths not multiples of 4: the fused kernels do not take them, the rules do.
      [realNVP({ dim: 2, layers: 2, hidden: [6], seed: 5 }), 'tape-free'],
    ] as const;
    for (const [flow, path] of flows) {
      const choice = enginePath(flow);
      expect(choice.path, choice.reason).toBe(path);
      expect(choice.layer).toBeNull();
      flow.dispose();
    }
  });

  it('names the first layer without a rule, the base, or the objective when the tape runs', () => {
    const custom = new Flow(new StandardNormal(3), new Chain([new AffineCoupling({ mask: [true, false, true], hidden: [8], seed: 1 }), new Doubling()]));
    expect(enginePath(custom)).toEqual({ path: 'tape', reason: 'Doubling has no tape-free rule', layer: 'Doubling' });
    const resnet = new Flow(new StandardNormal(3), new AffineCoupling({ mask: [true, false, true], conditioner: { type: 'resnet', hidden: [8] }, seed: 2 }));
    const r = enginePath(resnet);
    expect(r.path).toBe('tape');
    expect(r.layer).toBe('AffineCoupling');
    expect(r.reason).toMatch(/conditioner/);
    const diag = new Flow(new DiagNormal(2), new AffineCoupling({ mask: [true, false], hidden: [8], seed: 3 }));
    expect(enginePath(diag)).toMatchObject({ path: 'tape', layer: 'DiagNormal' });
    const plain = realNVP({ dim: 5, layers: 2, hidden: [8], seed: 4 });
    expect(enginePath(plain, { objective: 'reverse-kl' })).toMatchObject({ path: 'tape', layer: null });
    for (const f of [custom, resnet, diag, plain]) f.dispose();
  });
});

describe('enginePath on cpu', () => {
  useBackend('cpu');

  it('has no fused kernel there: a 2-D RealNVP takes the tape-free rules', () => {
    const flow = realNVP({ dim: 2, layers: 2, hidden: [16, 16], seed: 1 });
    expect(enginePath(flow).path).toBe('tape-free');
    flow.dispose();
  });
});
