/** Bad inputs to saveFlow, loadFlow, flowFromJSON, parseFlowDocument, loadCsv, checkpointDir and loadCheckpoint. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileFormatError, type Flow, flowFromJSON, flowToJSON, loadFlow as loadFlowIo, parseFlowDocument, realNVP, saveFlow as saveFlowIo, tf } from '../../src/index.js';
import { checkpointDir, loadCheckpoint, loadCsv, loadFlow, readFlowFile, saveFlow } from '../../src/node.js';
import type { BadCase } from '../helpers/bad-input.js';

const f = {} as { flow: Flow; dir: string; doc: string };
const p = (name: string) => join(f.dir, name);

export function setupIoFixtures(): void {
  f.flow = realNVP({ dim: 2, layers: 2, hidden: [4], seed: 1 });
  f.dir = mkdtempSync(join(tmpdir(), 'tfjs-flows-bad-io-'));
  f.doc = JSON.stringify(flowToJSON(f.flow));
  const doc = JSON.parse(f.doc) as Record<string, unknown> & { weights: { name: string; data: string }[]; flow: Record<string, unknown> };
  const files: Record<string, string> = {
    'empty.json': '',
    'truncated.json': f.doc.slice(0, f.doc.length / 2),
    'array.json': '[1, 2, 3]',
    'other-format.json': JSON.stringify({ ...doc, format: 'keras' }),
    'newer.json': JSON.stringify({ ...doc, formatVersion: 99 }),
    'no-weights.json': JSON.stringify({ ...doc, weights: [] }),
    'short-weight.json': JSON.stringify({ ...doc, weights: doc.weights.map((w, i) => (i === 0 ? { ...w, data: 'AAAA' } : w)) }),
    'unknown-class.json': f.doc.replace(/"className":"Chain"/, '"className":"Glow"'),
    'ok.csv': '1,2\n3,4\n',
    'text.csv': 'x,y\n1,2\n3,abc\n',
    'nan.csv': 'x,y\n1,2\nNaN,4\n',
    'inf.csv': 'x,y\n1,2\nInfinity,4\n',
    'empty-cell.csv': 'x,y\n1,2\n,4\n',
    'ragged.csv': 'x,y\n1,2\n3,4,5\n',
    'empty.csv': '',
    'header-only.csv': 'x,y\n',
    'bad-quote.csv': 'x,y\n"1,2\n',
    'checkpoint-corrupt/checkpoint.json': '{"format": "tfjs-flows-checkpoint", "step": ',
    'checkpoint-other/checkpoint.json': JSON.stringify({ format: 'something-else', formatVersion: 1 }),
    'checkpoint-array/checkpoint.json': '[]',
  };
  for (const [name, text] of Object.entries(files)) {
    if (name.includes('/')) mkdirSync(p(name.split('/')[0]), { recursive: true });
    writeFileSync(p(name), text);
  }
  mkdirSync(p('a-dir'));
}
export function teardownIoFixtures(): void {
  rmSync(f.dir, { recursive: true, force: true });
  f.flow.dispose();
}

const ff = { error: FileFormatError };

export const IO_CASES: BadCase[] = [
  // saveFlow and loadFlow of the main entry (tf.io URLs and handlers)
  { name: 'saveFlow (tf.io): a file path', run: () => saveFlowIo(f.flow, 'x.json'), arg: 'destination', message: /tfjs-flows\/node/ },
  { name: 'saveFlow (tf.io): a scheme with no handler', run: () => saveFlowIo(f.flow, 'nowhere://x'), arg: 'destination' },
  { name: 'saveFlow (tf.io): an object without save', run: () => saveFlowIo(f.flow, {} as never), arg: 'destination' },
  { name: 'saveFlow (tf.io): a handler that throws', run: () => saveFlowIo(f.flow, tf.io.withSaveHandler(() => Promise.reject(new Error('disk full')))), ...ff, message: /disk full/ },
  { name: 'loadFlow (tf.io): not a flow', run: () => loadFlowIo(tf.io.fromMemory({ modelTopology: { class_name: 'Sequential' } })), ...ff, message: /no tfjs-flows model/ },
  { name: 'loadFlow (tf.io): weights as an ArrayBuffer', run: () => loadFlowIo(tf.io.fromMemory({ modelTopology: new ArrayBuffer(8) })), ...ff },
  { name: 'loadFlow (tf.io): a newer format', run: () => loadFlowIo(tf.io.fromMemory({ modelTopology: { ...JSON.parse(f.doc), formatVersion: 99 } })), ...ff },
  // saveFlow
  { name: 'saveFlow: not a flow', run: () => saveFlow({} as never, p('x.json')), arg: 'flow' },
  { name: 'saveFlow: path not a string', run: () => saveFlow(f.flow, 3 as never), arg: 'path' },
  { name: 'saveFlow: unknown option', run: () => saveFlow(f.flow, p('x.json'), { meta: {} } as never), arg: 'options' },
  { name: 'saveFlow: NaN in metadata', run: () => saveFlow(f.flow, p('x.json'), { metadata: { a: NaN } }), arg: /metadata/ },
  { name: 'saveFlow: path is a directory', run: () => saveFlow(f.flow, p('a-dir')), ...ff, message: /a-dir/ },
  { name: 'saveFlow: parent is a file', run: () => saveFlow(f.flow, join(p('ok.csv'), 'x.json')), ...ff, message: /ok\.csv.*could not be written \((a parent of the path is not a directory|a file is in the way)/ },
  // loadFlow / readFlowFile
  { name: 'loadFlow: missing file', run: () => loadFlow(p('missing.json')), ...ff, message: /missing\.json.*no such file/ },
  { name: 'loadFlow: a directory', run: () => loadFlow(p('a-dir')), ...ff, message: /a-dir/ },
  { name: 'loadFlow: empty file', run: () => loadFlow(p('empty.json')), ...ff, message: /empty\.json/ },
  { name: 'loadFlow: truncated JSON', run: () => loadFlow(p('truncated.json')), ...ff, message: /truncated\.json/ },
  { name: 'loadFlow: JSON array', run: () => loadFlow(p('array.json')), ...ff, message: /array\.json/ },
  { name: 'loadFlow: another format', run: () => loadFlow(p('other-format.json')), ...ff, message: /other-format\.json/ },
  { name: 'loadFlow: newer format version', run: () => loadFlow(p('newer.json')), ...ff, message: /newer\.json.*99/ },
  { name: 'loadFlow: weights missing', run: () => loadFlow(p('no-weights.json')), ...ff, message: /no-weights\.json/ },
  { name: 'loadFlow: weight of the wrong length', run: () => loadFlow(p('short-weight.json')), ...ff, message: /short-weight\.json/ },
  { name: 'loadFlow: unknown bijector class', run: () => loadFlow(p('unknown-class.json')), ...ff, message: /Glow/ },
  { name: 'loadFlow: path not a string', run: () => loadFlow(undefined as never), arg: 'path' },
  { name: 'readFlowFile: truncated JSON', run: () => readFlowFile(p('truncated.json')), ...ff, message: /truncated\.json/ },
  // flowFromJSON / parseFlowDocument
  { name: 'flowFromJSON: not JSON', run: () => flowFromJSON('{oops'), ...ff },
  { name: 'flowFromJSON: a number', run: () => flowFromJSON(42 as never), ...ff },
  { name: 'flowFromJSON: null', run: () => flowFromJSON(null as never), ...ff },
  { name: 'flowFromJSON: truncated', run: () => flowFromJSON(f.doc.slice(0, 100)), ...ff },
  { name: 'flowFromJSON: newer version', run: () => flowFromJSON(f.doc.replace('"formatVersion":2', '"formatVersion":3')), ...ff, message: /version 3/ },
  { name: 'flowFromJSON: source named in the message', run: () => flowFromJSON('[]', 'my-model.json'), ...ff, message: /my-model\.json/ },
  { name: 'parseFlowDocument: object without weights', run: () => parseFlowDocument({ format: 'tfjs-flows', formatVersion: 1 } as never), ...ff },
  // loadCsv
  { name: 'loadCsv: missing file', run: () => loadCsv(p('missing.csv')), ...ff, message: /missing\.csv/ },
  { name: 'loadCsv: a directory', run: () => loadCsv(p('a-dir')), ...ff, message: /a-dir/ },
  { name: 'loadCsv: non-numeric cell', run: () => loadCsv(p('text.csv')), ...ff, message: /line 3, column 2 \('y'\): expected a finite number; got "abc"/ },
  { name: 'loadCsv: NaN cell', run: () => loadCsv(p('nan.csv')), ...ff, message: /line 3, column 1.*"NaN"/ },
  { name: 'loadCsv: Infinity cell', run: () => loadCsv(p('inf.csv')), ...ff, message: /line 3, column 1.*"Infinity"/ },
  { name: 'loadCsv: empty cell', run: () => loadCsv(p('empty-cell.csv')), ...ff, message: /line 3, column 1.*an empty cell/ },
  { name: 'loadCsv: ragged rows', run: () => loadCsv(p('ragged.csv')), ...ff, message: /ragged\.csv.*line 3/ },
  { name: 'loadCsv: empty file', run: () => loadCsv(p('empty.csv')), ...ff, message: /no rows/ },
  { name: 'loadCsv: header only', run: () => loadCsv(p('header-only.csv')), ...ff, message: /no data rows/ },
  { name: 'loadCsv: unclosed quote', run: () => loadCsv(p('bad-quote.csv')), ...ff, message: /bad-quote\.csv/ },
  { name: 'loadCsv: unknown column', run: () => loadCsv(p('text.csv'), { columns: ['x', 'z'] }), arg: 'options.columns', message: /"z"/ },
  { name: 'loadCsv: column index out of range', run: () => loadCsv(p('ok.csv'), { columns: [0, 2] }), arg: 'options.columns' },
  { name: 'loadCsv: columns not an array', run: () => loadCsv(p('ok.csv'), { columns: 'x' as never }), arg: 'options.columns' },
  { name: 'loadCsv: same column for data and context', run: () => loadCsv(p('ok.csv'), { columns: [0], contextColumns: [0] }), arg: 'options.contextColumns' },
  { name: 'loadCsv: a column twice', run: () => loadCsv(p('text.csv'), { columns: ['x', 'x'] }), arg: 'options.columns', message: /"x" twice/ },
  { name: 'loadCsv: a column twice, by name and index', run: () => loadCsv(p('text.csv'), { columns: ['y', 1] }), arg: 'options.columns' },
  { name: 'loadCsv: unknown option', run: () => loadCsv(p('ok.csv'), { delimeter: ';' } as never), arg: 'options' },
  { name: 'loadCsv: empty delimiter', run: () => loadCsv(p('ok.csv'), { delimiter: '' }), arg: 'options.delimiter' },
  { name: 'loadCsv: header neither boolean nor auto', run: () => loadCsv(p('ok.csv'), { header: 'yes' as never }), arg: 'options.header' },
  { name: 'loadCsv: path not a string', run: () => loadCsv(null as never), arg: 'path' },
  // checkpoints
  { name: 'checkpointDir: every 0', run: () => checkpointDir(p('ckpt'), { every: 0 }), arg: 'options.every' },
  { name: 'checkpointDir: no options', run: () => checkpointDir(p('ckpt'), undefined as never), arg: 'options' },
  { name: 'checkpointDir: unknown option', run: () => checkpointDir(p('ckpt'), { every: 1, evry: 2 } as never), arg: 'options' },
  { name: 'checkpointDir: dir not a string', run: () => checkpointDir(5 as never, { every: 1 }), arg: 'dir' },
  { name: 'loadCheckpoint: missing directory', run: () => loadCheckpoint(p('no-such-dir')), ...ff, message: /no-such-dir.*checkpoint\.json/ },
  { name: 'loadCheckpoint: corrupt file', run: () => loadCheckpoint(p('checkpoint-corrupt')), ...ff, message: /checkpoint-corrupt/ },
  { name: 'loadCheckpoint: another format', run: () => loadCheckpoint(p('checkpoint-other')), ...ff, message: /checkpoint-other/ },
  { name: 'loadCheckpoint: a JSON array', run: () => loadCheckpoint(p('checkpoint-array')), ...ff, message: /checkpoint-array/ },
  { name: 'loadCheckpoint: dir not a string', run: () => loadCheckpoint({} as never), arg: 'dir' },
];
