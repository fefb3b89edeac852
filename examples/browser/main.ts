/**
 * The browser page's script: load a saved flow over HTTP, draw its density and samples with plotly.
 * Bundled by `npm run build:browser` (see build.ts) into `dist/`, next to the TF.js wasm binaries.
 *
 * For tests and the curious, `window.flowPage` exposes the loaded flow's `logProb` and what was drawn.
 */
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { type BackendName, type Flow, type PlotFigure, densityFigure, loadFlowFromUrl, ready, samplesFigure, tf } from 'tfjs-flows';

// The project compiles without lib.dom; these are the few browser names the page uses.
interface Element {
  textContent: string | null;
  className: string;
}
declare const document: { getElementById(id: string): Element | null; baseURI: string };
declare const location: { href: string };
declare const Plotly: { newPlot(div: Element | string, figure: PlotFigure & { config?: object }): Promise<unknown> };

/** What the page exposes on `window.flowPage`. */
export interface FlowPage {
  /** Resolves when both figures are drawn (rejects with the error the page shows). */
  done: Promise<void>;
  backend?: string;
  modelUrl?: string;
  samples?: number;
  /** `log p(x)` of each row of `points` under the loaded flow (read asynchronously: GPU backends). */
  logProb(points: number[][]): Promise<number[]>;
}

const params = new URL(location.href).searchParams;
const modelUrl = params.get('model') ?? 'model.json';
const n = Number(params.get('n') ?? 1000);
const seed = Number(params.get('seed') ?? 0);
/** `?backend=webgpu` (or `webgl`, `wasm`, `cpu`): the backend to ask `ready()` for; default its own choice. */
const backend = params.get('backend');
let flow: Flow | null = null;

const page: FlowPage = {
  done: Promise.resolve(),
  async logProb(points) {
    if (!flow) throw new Error('flowPage.logProb: the model is not loaded yet');
    const lp = flow.logProb(points);
    try {
      return Array.from(await lp.data());
    } finally {
      lp.dispose();
    }
  },
};
(globalThis as unknown as { flowPage: FlowPage }).flowPage = page;
page.done = main();

function setStatus(text: string, error = false): void {
  const el = document.getElementById('status')!;
  el.textContent = text;
  el.className = error ? 'error' : '';
}

async function main(): Promise<void> {
  try {
    // The wasm binaries sit next to the page; without this TF.js looks for them beside the script's CDN path.
    setWasmPaths(new URL('./', document.baseURI).href);
    // The GPU backends are bundled only on request: a bundler cannot follow ready()'s optional imports.
    if (backend === 'webgpu') await import('@tensorflow/tfjs-backend-webgpu');
    page.backend = await ready(backend ? { backend: backend as BackendName } : {});
    page.modelUrl = new URL(modelUrl, document.baseURI).href;
    document.getElementById('model-url')!.textContent = modelUrl;
    flow = await loadFlowFromUrl(page.modelUrl);
    if (flow.dim !== 2 || flow.contextDim !== 0) throw new Error(`this page draws unconditional 2D flows; ${modelUrl} has dimension ${flow.dim}${flow.contextDim ? ` and context ${flow.contextDim}` : ''}`);
    const t0 = performance.now();
    const density = await densityFigure(flow, { resolution: 80, contours: 6, seed, title: 'Density p(x)' });
    const samples = await samplesFigure(flow, { n, seed, title: `${n} samples` });
    const ms = performance.now() - t0;
    const config = { responsive: true, displaylogo: false };
    await Plotly.newPlot(document.getElementById('density')!, { ...density, config });
    await Plotly.newPlot(document.getElementById('samples')!, { ...samples, config });
    page.samples = n;
    setStatus(`${modelUrl}: ${flow.bijector.className} over ${flow.base.className}, computed on TF.js ${page.backend} in ${ms.toFixed(0)} ms (${tf.memory().numTensors} tensors live).`);
  } catch (e) {
    setStatus(`Could not show ${modelUrl}: ${(e as Error)?.message ?? String(e)}`, true);
    throw e;
  }
}
