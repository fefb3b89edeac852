import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Affine, Chain, DiagNormal, FileFormatError, Flow, Permute, ValidationError, tf } from '../../src/index.js';
import { loadFlow, readFlowFile, saveFlow } from '../../src/node.js';

const dir = mkdtempSync(join(tmpdir(), 'tfjs-flows-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function bits(t: tf.Tensor): number[] {
  const v = t.dataSync() as Float32Array;
  const out = Array.from(new Uint32Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength)));
  t.dispose();
  return out;
}

/** A flow with non-identity weights (Affine scales/shifts set away from their defaults). */
function makeFlow(seed: number): Flow {
  const flow = new Flow(
    new DiagNormal(3, { loc: [0.1 * seed, -0.2, 0.3], scale: [1.1, 0.9, 1.3] }),
    new Chain([new Affine(3, { shift: [seed, 0.5, -1], scale: [2, 0.7, 1.9] }), new Permute([1, 2, 0]), new Affine(3, { scale: [0.3, 3, 1] })]),
  );
  flow.standardize({ mean: [1, 2, 3], std: [0.5, 2, 7] });
  return flow;
}

const x = [[0.5, 1, 2], [3, -1, 10], [1, 2, 3]];

describe('saveFlow / loadFlow', () => {
  it('round-trips through a file bit for bit, with metadata, creating parent directories', async () => {
    const path = join(dir, 'a', 'b', 'flow.json');
    const flow = makeFlow(1);
    await saveFlow(flow, path, { metadata: { testNll: 1.25, backend: 'wasm' } });
    const loaded = await loadFlow(path);
    expect(bits(loaded.logProb(x))).toEqual(bits(flow.logProb(x)));
    expect(bits(loaded.sample(50, { seed: 'file' }))).toEqual(bits(flow.sample(50, { seed: 'file' })));
    const doc = await readFlowFile(path);
    expect(doc.metadata).toEqual({ testNll: 1.25, backend: 'wasm' });
    expect(doc.architecture).toEqual(flow.serialize());
    expect(readFileSync(path, 'utf8').endsWith('}\n')).toBe(true);
    flow.dispose();
    loaded.dispose();
  });

  it('writes the same bytes for the same flow, replaces an existing file and leaves no temporary files', async () => {
    const sub = join(dir, 'replace');
    const path = join(sub, 'flow.json');
    const a = makeFlow(1);
    const b = makeFlow(2);
    await saveFlow(a, path);
    const first = readFileSync(path);
    await saveFlow(a, path);
    expect(readFileSync(path).equals(first)).toBe(true);
    await saveFlow(b, path);
    const loaded = await loadFlow(path);
    expect(bits(loaded.logProb(x))).toEqual(bits(b.logProb(x)));
    expect(bits(loaded.logProb(x))).not.toEqual(bits(a.logProb(x)));
    expect(readdirSync(sub)).toEqual(['flow.json']);
    [a, b, loaded].forEach((f) => f.dispose());
  });

  it('bad arguments throw ValidationError before the existing file is touched', async () => {
    const sub = join(dir, 'untouched');
    const path = join(sub, 'flow.json');
    const flow = makeFlow(1);
    await saveFlow(flow, path);
    const original = readFileSync(path);
    await expect(saveFlow(flow, path, { metadata: { loss: NaN } })).rejects.toThrow(/saveFlow: argument 'metadata.loss' must be a finite number/);
    await expect(saveFlow(flow, path, { meta: {} } as never)).rejects.toThrow(/saveFlow: argument 'options' must be an object with keys among metadata; got unknown option "meta"/);
    await expect(saveFlow({} as never, path)).rejects.toThrow(/saveFlow: argument 'flow' must be a Flow/);
    await expect(saveFlow(flow, '')).rejects.toThrow(ValidationError);
    expect(readFileSync(path).equals(original)).toBe(true);
    expect(readdirSync(sub)).toEqual(['flow.json']);
    flow.dispose();
  });

  it('a failed write throws FileFormatError naming the path and removes its temporary file', async () => {
    const sub = join(dir, 'fail');
    mkdirSync(join(sub, 'flow.json'), { recursive: true }); // the target is a directory: the rename fails
    const flow = makeFlow(1);
    const err = await saveFlow(flow, join(sub, 'flow.json')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FileFormatError);
    expect((err as Error).message).toBe(`${join(sub, 'flow.json')}: could not be written (is a directory, not a model file)`);
    expect(readdirSync(sub)).toEqual(['flow.json']);
    writeFileSync(join(sub, 'file'), 'x');
    await expect(saveFlow(flow, join(sub, 'file', 'flow.json'))).rejects.toThrow(/file\/flow\.json: could not be written/);
    flow.dispose();
  });

  it('loadFlow and saveFlow leak no tensors', async () => {
    const path = join(dir, 'leak.json');
    const flow = makeFlow(3);
    const before = tf.memory().numTensors;
    await saveFlow(flow, path);
    (await loadFlow(path)).dispose();
    expect(tf.memory().numTensors).toBe(before);
    flow.dispose();
  });
});
