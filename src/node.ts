/**
 * Node-only parts of tfjs-flows (file I/O, PNG rendering, CSV): `import … from 'tfjs-flows/node'`.
 * Kept out of the main entry so a browser bundle never pulls in `fs` or a browser driver.
 */
export { saveFlow, loadFlow, readFlowFile, type SaveFlowOptions } from './io/flow-file.js';
export { loadCsv, type LoadCsvOptions, type CsvData } from './data/csv.js';
