/**
 * Node-only parts of tfjs-flows (file I/O, PNG rendering, CSV): `import … from 'tfjs-flows/node'`.
 * Kept out of the main entry so a browser bundle never pulls in `fs` or a browser driver.
 * Worker threads live here too: `evaluateLogProb(flow, x, { threads: 2 })` and friends.
 */
export {
  evaluateLogProb,
  evaluateSample,
  evaluateSampleAndLogProb,
  type EvaluateOptions,
  type EvaluateLogProbOptions,
  type EvaluateSampleOptions,
} from './parallel/evaluate.js';
export { TWO_THREAD_EVAL_MIN_ROWS, evaluationThreadsReady, setEvaluationThreads } from './parallel/two-thread-eval.js';
export { saveFlow, loadFlow, readFlowFile, type SaveFlowOptions } from './io/flow-file.js';
export { checkpointDir, loadCheckpoint, resumeFit, CHECKPOINT_FILE } from './train/checkpoint-files.js';
export { loadCsv, type LoadCsvOptions, type CsvData } from './data/csv.js';
export { writeHtml, figuresToHtml, plotlySource, type HtmlOptions } from './plot/node/html.js';
export {
  FigureRenderer,
  renderPng,
  renderSvg,
  figureToPng,
  figureToSvg,
  type ImageOptions,
  type RenderOptions,
} from './plot/node/render.js';
export { findBrowser, launchBrowser, CHROMIUM_FLAGS } from './plot/node/browser.js';
export { enableRelaxedSimd } from './kernels/simd/enable-relaxed-simd.js';
