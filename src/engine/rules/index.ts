/**
 * The one list of tape-free rules, by layer class (as TF.js's `register_all_gradients.ts`). Importing
 * this module registers them; the engine's entry points (`select.ts`, `tape-free-step.ts`) do so. A
 * new rule is its file under `rules/` plus one line here; the law on the bijector case table
 * (test/engine/tape-free-law.test.ts) then checks it against the tape with no further test code.
 */
import { ActNorm } from '../../bijectors/act-norm.js';
import { BatchNorm } from '../../bijectors/batch-norm.js';
import { Chain } from '../../bijectors/chain.js';
import { Coupling } from '../../bijectors/coupling.js';
import { LULinear } from '../../bijectors/lu-linear.js';
import { MaskedAutoregressive } from '../../bijectors/masked-autoregressive.js';
import { Permute } from '../../bijectors/permute.js';
import { Reverse } from '../../bijectors/reverse.js';
import { AffineTransformer } from '../../transformers/affine.js';
import { SplineTransformer } from '../../transformers/rq-spline-transformer.js';
import { registerTapeFreeRule, registerTransformerRule } from '../registry.js';
import { actNormRule } from './act-norm.js';
import { affineTransformerRule } from './affine-transformer.js';
import { batchNormRule } from './batch-norm.js';
import { chainRule } from './chain.js';
import { couplingRule } from './coupling.js';
import { luLinearRule } from './lu-linear.js';
import { maskedAutoregressiveRule } from './masked-autoregressive.js';
import { permuteRule, reverseRule } from './permute.js';
import { splineTransformerRule } from './spline-transformer.js';

// Bijectors.
registerTapeFreeRule(ActNorm, actNormRule);
registerTapeFreeRule(BatchNorm, batchNormRule);
registerTapeFreeRule(Chain, chainRule);
registerTapeFreeRule(Coupling, couplingRule);
registerTapeFreeRule(LULinear, luLinearRule);
registerTapeFreeRule(MaskedAutoregressive, maskedAutoregressiveRule);
registerTapeFreeRule(Permute, permuteRule);
registerTapeFreeRule(Reverse, reverseRule);

// Transformers (inside couplings and autoregressive layers).
registerTransformerRule(AffineTransformer, affineTransformerRule);
registerTransformerRule(SplineTransformer, splineTransformerRule);
