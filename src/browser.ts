/**
 * Entry of the prebuilt browser bundle `tfjs-flows/browser` (`dist/browser/tfjs-flows.js`): the
 * main entry with TF.js (tfjs-core, the cpu and wasm backends) inside, for a page that loads ES
 * modules without a bundler. TF.js's wasm binaries sit next to the bundle, and the wasm backend is
 * pointed at them; call {@link setWasmPaths} before `ready()` to load them from elsewhere.
 *
 * An application that bundles its own code should import `tfjs-flows` instead: its bundler then
 * shares one tfjs-core between the application and this library.
 *
 * @example
 * ```html
 * <script type="module">
 *   import { ready, datasets, realNVP, fit } from './node_modules/tfjs-flows/dist/browser/tfjs-flows.js';
 *   await ready(); // 'wasm'
 * </script>
 * ```
 */
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

export * from './index.js';
export { setWasmPaths };

setWasmPaths(new URL('./', import.meta.url).href);
