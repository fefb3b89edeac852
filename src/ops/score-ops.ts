/**
 * The three pieces of gradient plumbing the recursive score (∂log q/∂x carried through the sampling
 * pass, Vaitl et al. 2024) needs, in public TF.js API only:
 *
 * - `detach(x)`: a copy of `x` that the tape does not connect to anything. Unlike `stopGradient`
 *   (an op whose gradient is zero, through which the backward pass still walks), a detached tensor
 *   is an op with no inputs, so `tf.variableGrads` prunes every op that reaches the loss only through
 *   it: the score computations cost nothing in the backward pass.
 * - `vjp(y, xs, dy)`: `Σ (dy · ∂y/∂x)` for each x, read off the tape that already recorded `y` from
 *   `xs` (no second forward pass). Inputs `y` does not depend on get zeros.
 * - `withTape(f)`: runs `f` with a tape recording, so that `vjp` works when the caller has none.
 */
import { tf } from '../backend.js';
import { gradientsRecorded } from './tape.js';

/** `x`'s value as a tensor with no history (see the module comment). */
export function detach<T extends tf.Tensor>(x: T): T {
  const f = tf.customGrad((() => ({ value: tf.clone(x), gradFunc: () => [] })) as unknown as Parameters<typeof tf.customGrad>[0]);
  return (f as unknown as () => T)();
}

/**
 * Vector–Jacobian products `dyᵀ ∂y/∂xᵢ` (each shaped like `xᵢ`), with `y` already computed from `xs`
 * while a tape was recording. `dy` is treated as a constant (it is detached first). The backward pass
 * runs untaped (see {@link untaped}): its ops are not recorded on the caller's tape.
 */
export function vjp(y: tf.Tensor, xs: tf.Tensor[], dy: tf.Tensor | null = null): tf.Tensor[] {
  const total = (dy === null ? tf.sum(y) : tf.sum(tf.mul(y, detach(dy)))) as tf.Scalar;
  return untaped(() => {
    const { value, grads } = tf.engine().gradients(() => total, xs, undefined, true);
    return xs.map((x, i) => grads[i] ?? tf.zerosLike(x));
    void value;
  });
}

/**
 * `f()` without recording its ops on the active tape (their results are detached): TF.js records
 * nothing inside a custom gradient's forward function, so `f` runs there. Use it for arithmetic
 * whose gradient is never wanted (the score), which would otherwise pay the tape's bookkeeping.
 */
export function untaped<T extends tf.Tensor | tf.Tensor[]>(f: () => T): T {
  if (!gradientsRecorded()) return f();
  let kept: tf.Tensor[] = [];
  let single = false;
  const run = tf.customGrad((() => {
    const marker = tf.scalar(0);
    const r = f();
    single = !Array.isArray(r);
    // One new tensor: it is the op's output itself (no copy); one made before f ran gets a copy.
    if (single) return { value: (r as tf.Tensor).id > marker.id ? r : tf.clone(r as tf.Tensor), gradFunc: () => [] };
    kept = r as tf.Tensor[];
    for (const t of kept) tf.keep(t);
    return { value: marker, gradFunc: () => [] };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  const value = (run as unknown as () => tf.Tensor)();
  if (single) return value as T;
  value.dispose();
  // Kept tensors belong to no scope: hand back copies owned by the caller's scope.
  const out = kept.map((t) => detach(t));
  tf.dispose(kept);
  return out as T;
}

/**
 * `f()` with a gradient tape recording: directly when one already is (inside `tf.variableGrads`),
 * otherwise inside a throw-away `tf.grad`, whose result tensors are handed back as fresh tensors of
 * the caller's scope.
 */
export function withTape<T extends object>(f: () => T): T {
  if (gradientsRecorded()) return f();
  let result: T | null = null;
  const seed = tf.scalar(0);
  const g = tf.grad((s: tf.Tensor) => {
    const r = f();
    for (const t of tensorsOf(r)) tf.keep(t);
    result = r;
    return tf.mul(s, 1);
  })(seed);
  tf.dispose([g, seed]);
  const r = result as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) {
    if (v instanceof tf.Tensor) {
      out[k] = tf.clone(v);
      v.dispose();
    } else out[k] = v;
  }
  return out as T;
}

function tensorsOf(r: object): tf.Tensor[] {
  return Object.values(r).filter((v): v is tf.Tensor => v instanceof tf.Tensor);
}
