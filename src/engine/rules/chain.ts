/**
 * Tape-free rule of {@link Chain}: the members' density passes in order (`f⁻¹` first for
 * `Chain([f, g])`), log-dets summed in one AddN; the backward runs the members' backward passes in
 * reverse, each receiving the same `dLogDet`. Taken when every member has a rule.
 */
import { tf } from '../../backend.js';
import type { Chain } from '../../bijectors/chain.js';
import type { SavedInverse } from '../contract.js';
import { type TapeFreeRule, tapeFreeInverse } from '../registry.js';

export const chainRule: TapeFreeRule<Chain> = {
  unsupported: () => null,
  members: (c) => c.bijectors,
  inverse(c, y, context) {
    const passes: SavedInverse[] = [];
    let output = y;
    const logDets: tf.Tensor1D[] = [];
    for (const b of c.bijectors) {
      const pass = tapeFreeInverse(b, output, context);
      passes.push(pass);
      output = pass.output;
      if (pass.logDet) logDets.push(pass.logDet);
    }
    return {
      output,
      // One AddN kernel instead of an Add per layer.
      logDet: logDets.length === 0 ? null : logDets.length === 1 ? logDets[0] : (tf.addN(logDets) as tf.Tensor1D),
      backward: (dOutput, dLogDet, sink, needInput) => {
        let d: tf.Tensor2D | null = dOutput;
        for (let i = passes.length - 1; i >= 0; i--) d = passes[i].backward(d!, dLogDet, sink, i > 0 || needInput);
        return d;
      },
    };
  },
};
