/**
 * Tape-free rule of {@link Coupling} (and `AffineCoupling`, `SplineCoupling`): the density direction
 * `z_B = T⁻¹(y_B; θ)`, `θ = MLP(y_A, context)`, `z_A = y_A`, log-det `Σ_B log|∂z_B/∂y_B|`, with the
 * backward `dy_B = ∂T⁻¹/∂y_B · dz_B`, `dy_A = dz_A + MLPᵀ(dθ)` (the context is data: no adjoint).
 * Taken for a plain MLP conditioner (no dropout, no normalisation) and a transformer with a rule; a
 * 2-D unconditional coupling on wasm runs the same arithmetic in two fused kernels (`fused-coupling.ts`).
 */
import { tf } from '../../backend.js';
import type { Coupling } from '../../bijectors/coupling.js';
import { type ColumnBlocks, joinColumns, splitColumns } from '../../kernels/columns.js';
import { MLP } from '../../nn/mlp.js';
import { type CouplingPlan, fusedCouplingInverse, fusedCouplingPlan } from '../fused-coupling.js';
import { type TapeFreeRule, transformerInverse, transformerUnsupported } from '../registry.js';
import { mlpWithBackward } from './conditioner.js';

/** The coupling's pass-through (`a`) and transformed (`b`) column indices. */
export function couplingColumns(c: Coupling): ColumnBlocks {
  return { a: c.mask.flatMap((m, i) => (m ? [i] : [])), b: c.mask.flatMap((m, i) => (m ? [] : [i])) };
}

/** The coupling rule, with the fused 2-D plan the whole-chain kernel (`fused-chain.ts`) asks each coupling for. */
export const couplingRule: TapeFreeRule<Coupling> & { fusedPlan(c: Coupling, batch: number): CouplingPlan | null } = {
  unsupported(c) {
    const net = c.conditioner;
    if (!(net instanceof MLP)) return `a ${net.className} conditioner (the tape-free rule takes the plain MLP)`;
    if (!net.plain) return 'a conditioner with dropout or normalisation';
    return transformerUnsupported(c.transformer);
  },

  /**
   * This coupling's configuration for the fused 2-D kernels at a batch of `batch` rows, or `null`
   * where they do not apply (see `fusedCouplingPlan`; conditional couplings never). One per pass.
   */
  fusedPlan(c, batch) {
    if (c.contextDim !== 0 || couplingRule.unsupported(c) !== null) return null;
    return fusedCouplingPlan(batch, couplingColumns(c), c.conditioner as MLP, c.transformer);
  },

  inverse(c, y, context) {
    const conditioner = c.conditioner as MLP;
    const cols = couplingColumns(c);
    if (c.contextDim === 0) {
      // A 2-D coupling on wasm: the same arithmetic in two fused kernels (see fused-coupling.ts).
      const fused = fusedCouplingInverse(y, cols, conditioner, c.transformer);
      if (fused) return fused;
    }
    const transformer = c.transformer;
    const batch = y.shape[0];
    const nMoved = cols.b.length;
    const [ya, yb] = splitColumns(cols, y);
    const net = mlpWithBackward(conditioner, ya, c.contextDim > 0 ? context : null);
    const params = tf.reshape(net.output, [batch, nMoved, transformer.paramsPerDim]) as tf.Tensor3D;
    const t = transformerInverse(transformer, yb, params);
    const logDet = (nMoved === 1 ? tf.reshape(t.logDet, [batch]) : tf.sum(t.logDet, 1)) as tf.Tensor1D;
    return {
      output: joinColumns(cols, ya, t.output),
      logDet,
      backward: (dOutput, dLogDet, sink, needInput) => {
        const [dza, dzb] = splitColumns(cols, dOutput);
        const column = tf.reshape(dLogDet, [batch, 1]) as tf.Tensor2D;
        // A broadcast add, not tf.tile: wasm's Tile took about 330 µs at [512, 1] → [512, 16], the add 30.
        const dl = nMoved === 1 ? column : (tf.add(column, tf.zeros([1, nMoved])) as tf.Tensor2D);
        const { dInput: dyb, dParams } = t.backward(dzb, dl);
        const dya = net.backward(tf.reshape(dParams, [batch, nMoved * transformer.paramsPerDim]) as tf.Tensor2D, sink, needInput);
        return dya ? joinColumns(cols, dza, dyb, dya) : null;
      },
    };
  },
};
