/**
 * Every way a model file can be wrong gives a FileFormatError that names the file and the problem,
 * never a crash inside TF.js, and leaves the tensor count unchanged.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Affine, Chain, DiagNormal, FileFormatError, Flow, type FlowDocument, Permute, Shift, encodeWeight, flowFromJSON, flowToJSON, tf,
} from '../../src/index.js';
import { loadFlow, readFlowFile } from '../../src/node.js';

let dir: string;
let doc: FlowDocument;
let text: string;
let counter = 0;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tfjs-flows-errors-'));
  const flow = new Flow(new DiagNormal(3), new Chain([new Shift([1, 2, 3]), new Affine(3), new Permute([2, 0, 1])]));
  doc = flowToJSON(flow, { note: 'fixture' });
  flow.dispose();
  text = JSON.stringify(doc, null, 2);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeText(content: string): string {
  const path = join(dir, `model-${++counter}.json`);
  writeFileSync(path, content);
  return path;
}

/** Write a modified copy of the fixture document. */
function writeDoc(change: (d: Record<string, any>) => void): string {
  const d = JSON.parse(text);
  change(d);
  return writeText(JSON.stringify(d));
}

/** Load `path`, expecting a FileFormatError naming it, with no tensors left behind. */
async function loadError(path: string): Promise<FileFormatError> {
  const before = tf.memory().numTensors;
  let err: unknown;
  try {
    (await loadFlow(path)).dispose();
  } catch (e) {
    err = e;
  }
  expect(tf.memory().numTensors).toBe(before);
  expect(err).toBeInstanceOf(FileFormatError);
  expect((err as FileFormatError).path).toBe(path);
  expect((err as Error).message.startsWith(`${path}: `)).toBe(true);
  return err as FileFormatError;
}

const weightIndex = (name: string) => doc.weights.findIndex((w) => w.name === name);

describe('loadFlow on a bad file', () => {
  it('the unmodified fixture loads (so the failures below are caused by the changes)', async () => {
    const f = await loadFlow(writeText(text));
    expect(f.weights.map((w) => w.name)).toEqual(['base/loc', 'base/logScale', 'bijector/0/shift', 'bijector/1/shift', 'bijector/1/logScale']);
    f.dispose();
  });

  it('missing file, directory, empty file', async () => {
    expect((await loadError(join(dir, 'nope.json'))).message).toMatch(/nope\.json: cannot be read \(no such file\)$/);
    expect((await loadError(dir)).message).toMatch(/cannot be read \(is a directory, not a model file\)$/);
    expect((await loadError(writeText(''))).message).toMatch(/is empty \(no JSON document\)$/);
    expect((await loadError(writeText(' \n'))).message).toMatch(/is empty/);
  });

  it('truncated anywhere: in the architecture, inside a weight string, one character short', async () => {
    for (const cut of [1, 20, Math.floor(text.length / 2), text.length - 30, text.length - 1]) {
      const e = await loadError(writeText(text.slice(0, cut)));
      expect(e.message).toMatch(/is truncated: the JSON stops after \d+ characters, before the document ends/);
    }
  });

  it('corrupt JSON', async () => {
    expect((await loadError(writeText(text.replace('"weights":', '"weights";')))).message).toMatch(/is not valid JSON \(corrupt\): /);
    expect((await loadError(writeText('x,y\n1,2\n'))).message).toMatch(/is not valid JSON \(corrupt\)/);
    expect((await loadError(writeText('[1, 2]'))).message).toMatch(/is not a tfjs-flows model: expected a JSON object, got an array of length 2$/);
  });

  it('another format, no format, a newer or invalid format version', async () => {
    expect((await loadError(writeDoc((d) => (d.format = 'keras')))).message).toMatch(/is not a tfjs-flows model: its format is "keras", not "tfjs-flows"$/);
    expect((await loadError(writeDoc((d) => delete d.format))).message).toMatch(/it has no "format" field$/);
    const newer = await loadError(writeDoc((d) => ((d.formatVersion = 3), (d.libraryVersion = '9.0.0'))));
    expect(newer.message).toMatch(/was written in format version 3 \(by tfjs-flows 9\.0\.0\); this tfjs-flows \(0\.1\.0\) reads format versions up to 2: upgrade tfjs-flows to load it$/);
    expect((await loadError(writeDoc((d) => (d.formatVersion = '1')))).message).toMatch(/has an invalid formatVersion "1" \(expected an integer ≥ 1\)$/);
    expect((await loadError(writeDoc((d) => (d.formatVersion = 0)))).message).toMatch(/invalid formatVersion 0/);
  });

  it('a weight of the wrong size, shape or dtype, corrupt weight data', async () => {
    const i = weightIndex('bijector/0/shift');
    const short = encodeWeight({ name: 'bijector/0/shift', shape: [2], dtype: 'float32', values: new Float32Array([1, 2]) }).data;
    expect((await loadError(writeDoc((d) => (d.weights[i].data = short)))).message).toMatch(
      /weight 'bijector\/0\/shift' is corrupt: shape \[3\] needs 12 bytes of float32 data \(3 values\); the data has 8$/,
    );
    expect((await loadError(writeDoc((d) => ((d.weights[i].data = short), (d.weights[i].shape = [2]))))).message).toMatch(
      /weight 'bijector\/0\/shift' has shape \[2\]; the architecture expects \[3\]$/,
    );
    expect((await loadError(writeDoc((d) => (d.weights[i].shape = [3, 1])))).message).toMatch(/has shape \[3, 1\]; the architecture expects \[3\]/);
    expect((await loadError(writeDoc((d) => (d.weights[i].dtype = 'int32')))).message).toMatch(/weight 'bijector\/0\/shift' has dtype int32; the architecture's is float32$/);
    expect((await loadError(writeDoc((d) => (d.weights[i].dtype = 'float64')))).message).toMatch(/has an unknown dtype "float64" \(expected one of float32, int32, bool\)$/);
    expect((await loadError(writeDoc((d) => (d.weights[i].data = 'AAAA$AAAAAAAAAAA')))).message).toMatch(/is corrupt: its data is not valid base64 \(character "\$" at position 4 is not base64\)$/);
    expect((await loadError(writeDoc((d) => (d.weights[i].shape = [-3])))).message).toMatch(/has an invalid shape/);
    expect((await loadError(writeDoc((d) => (d.weights[i].data = null)))).message).toMatch(/has no valid data/);
  });

  it('a missing, extra or duplicated weight', async () => {
    expect((await loadError(writeDoc((d) => d.weights.splice(weightIndex('bijector/1/logScale'), 1)))).message).toMatch(
      /is missing weight 'bijector\/1\/logScale' \(float32, shape \[3\]\), which the architecture needs$/,
    );
    expect((await loadError(writeDoc((d) => d.weights.push({ ...d.weights[0], name: 'bijector/9/x' })))).message).toMatch(
      /has weight 'bijector\/9\/x', which the architecture does not have$/,
    );
    expect((await loadError(writeDoc((d) => d.weights.push(d.weights[0])))).message).toMatch(/has weight 'base\/loc' twice$/);
    expect((await loadError(writeDoc((d) => (d.weights = {})))).message).toMatch(/has no valid "weights" \(expected an array/);
  });

  it('an unknown class (also nested after members that were already built), an invalid config, mismatched dimensions', async () => {
    const nested = await loadError(writeDoc((d) => (d.architecture.bijector.config.bijectors[2].className = 'Nope')));
    expect(nested.message).toMatch(/unknown bijector class "Nope" \(known: .*Chain.*; custom classes need registerBijector\)$/);
    expect((await loadError(writeDoc((d) => (d.architecture.bijector.className = 'Nope'))))).toBeInstanceOf(FileFormatError);
    expect((await loadError(writeDoc((d) => (d.architecture.base.className = 'Gumbel')))).message).toMatch(/unknown distribution class "Gumbel"/);
    expect((await loadError(writeDoc((d) => (d.architecture.bijector.config.bijectors[2].config.permutation = [0, 0, 1])))).message).toMatch(
      /has an invalid architecture: Permute: argument 'permutation' must be a permutation/,
    );
    expect((await loadError(writeDoc((d) => (d.architecture.bijector.config.bijectors = 'x')))).message).toMatch(/has an invalid architecture: /);
    expect((await loadError(writeDoc((d) => (d.architecture.base.config.dim = 4)))).message).toMatch(
      /has an invalid architecture: Flow: argument 'bijector' must be a bijector of dimension 4/,
    );
    expect((await loadError(writeDoc((d) => (d.architecture.standardization = { mean: [0, 0], std: [1, 1, 1] })))).message).toMatch(
      /has an invalid architecture: Flow.standardize: argument 'stats.mean' must be 3 values/,
    );
    expect((await loadError(writeDoc((d) => (d.architecture.standardization = { mean: [0, 0, 0], std: [1, 0, 1] })))).message).toMatch(/stats.std\[1\]' must be a finite number > 0/);
    expect((await loadError(writeDoc((d) => (d.architecture.bijector = { className: 'Chain' })))).message).toMatch(/has an invalid "architecture.bijector"/);
    expect((await loadError(writeDoc((d) => delete d.architecture))).message).toMatch(/has no valid "architecture"/);
    expect((await loadError(writeDoc((d) => (d.metadata = [1])))).message).toMatch(/has invalid "metadata"/);
  });

  it('readFlowFile reports the same problems without building anything', async () => {
    await expect(readFlowFile(join(dir, 'nope.json'))).rejects.toThrow(/nope\.json: cannot be read \(no such file\)/);
    await expect(readFlowFile(writeText(text.slice(0, 100)))).rejects.toThrow(FileFormatError);
    const d = await readFlowFile(writeText(text));
    expect(d.metadata).toEqual({ note: 'fixture' });
  });

  it('flowFromJSON names its source, "flow document" by default', () => {
    expect(() => flowFromJSON('{"format": "x"}')).toThrow(/^flow document: is not a tfjs-flows model/);
    expect(() => flowFromJSON({ ...doc, formatVersion: 5 }, 'https://example.org/m.json')).toThrow(/^https:\/\/example.org\/m.json: was written in format version 5/);
    expect(() => flowFromJSON(42 as never)).toThrow(/expected a JSON object, got 42/);
  });
});
