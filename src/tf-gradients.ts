/**
 * Registers every gradient and chained op of tfjs-core, as the `@tensorflow/tfjs` umbrella does. This
 * is the bundler's version (tfjs-core's own ES modules); `npm run build` bundles it for Node into
 * `dist/tf-gradients.node.js`. Imported only through `#tf-gradients` (src/tf.ts).
 */
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops.js';
