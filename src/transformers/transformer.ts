/**
 * Transformers: elementwise, monotone maps whose parameters arrive as tensors (from a conditioner
 * network) instead of living in weights. Couplings and autoregressive layers are
 * "split + conditioner + transformer"; RealNVP and NSF differ only in the transformer.
 *
 * Conventions every transformer keeps:
 * - `params` is `[batch, dim, paramsPerDim]`, unconstrained real numbers;
 * - **all-zero parameters are exactly the identity map** (so a conditioner whose last layer starts at
 *   zero makes its layer start as the identity);
 * - `forward` is the latent → data direction and `inverse` the data → latent one, as for bijectors;
 *   each returns the output and the *elementwise* log |dy/dx| of the map it applied, `[batch, dim]`.
 * - finite outputs and gradients for any finite input and parameters.
 */
import type { tf } from '../backend.js';
import type { JsonObject } from '../module.js';

export type TransformerResult = {
  output: tf.Tensor2D;
  /** Elementwise log |derivative| of the map applied, `[batch, dim]`. */
  logDet: tf.Tensor2D;
};

export interface Transformer {
  /** Registry name (save/load). */
  readonly className: string;
  /** Unconstrained parameters per transformed dimension. */
  readonly paramsPerDim: number;
  /** latent → data, elementwise. `x`: `[batch, dim]`, `params`: `[batch, dim, paramsPerDim]`. */
  forward(x: tf.Tensor2D, params: tf.Tensor3D): TransformerResult;
  /** data → latent, elementwise. */
  inverse(y: tf.Tensor2D, params: tf.Tensor3D): TransformerResult;
  /** Plain-JSON options that rebuild it. */
  getConfig(): JsonObject;
  /**
   * Optional closed form for couplings' score rule (path gradients): with y = T(x; p), L = log T' and
   * `g` = ∂log q/∂x `[batch, dim]`, returns `scoreY = (g − ∂L/∂x) / T'` and
   * `dParams = ∂L/∂p + (∂T/∂p) · scoreY` `[batch, dim, paramsPerDim]`; `forward` is `forward(x, params)`,
   * already computed. Without it, or where it returns `null` (no closed form for this configuration or
   * backend), couplings read these off the tape.
   */
  scoreTerms?(x: tf.Tensor2D, params: tf.Tensor3D, g: tf.Tensor2D, forward: TransformerResult): { scoreY: tf.Tensor2D; dParams: tf.Tensor3D } | null;
}
