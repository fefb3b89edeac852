/**
 * The one place TF.js is imported: `@tensorflow/tfjs-core`, the pure-JavaScript `cpu` backend (the
 * fallback every platform has), and every gradient and chained op (`t.square()`) of tfjs-core.
 *
 * tfjs-core registers no gradients on its own: the `@tensorflow/tfjs` umbrella does it by bundling
 * tfjs-core's `register_all_gradients` module, whose extension-less imports Node cannot load. The
 * package's `#tf-gradients` import does the same (see `package.json` `imports`): under Node a copy
 * bundled at build time (`dist/tf-gradients.node.js`, it registers into the one global engine of the
 * application's tfjs-core), in bundlers tfjs-core's own module (`dist/tf-gradients.js`).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '#tf-gradients';

export { tf };
