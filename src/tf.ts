/**
 * The one place TF.js is imported: `@tensorflow/tfjs-core`, the pure-JavaScript `cpu` backend (the
 * fallback every platform has), and every gradient and chained op (`t.square()`) of tfjs-core.
 *
 * tfjs-core registers no gradients on its own: the `@tensorflow/tfjs` umbrella does it by bundling
 * tfjs-core's `register_all_gradients` module, whose extension-less imports Node cannot load. The
 * package's `#tf-gradients` import does the same (see `package.json` `imports`): under Node a copy
 * bundled at build time (`dist/tf-gradients.node.js`, it registers into the one global engine of the
 * application's tfjs-core), in bundlers tfjs-core's own module (`dist/tf-gradients.js`).
 *
 * `ChainedOps` carries the chained ops' types (`t.square()` and the rest are declared as module
 * augmentations beside their registration) into the declarations of `tf`, for every TypeScript module
 * resolution mode, including those that do not read package.json `imports`.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '#tf-gradients';
import type * as ChainedOps from '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops.js';

export { tf };
/** The chained-op type augmentations of tfjs-core (types only; see the module comment). */
export type { ChainedOps };
