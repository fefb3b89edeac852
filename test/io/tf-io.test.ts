/**
 * Saving and loading through tf.io handlers: TF.js's in-memory handlers, and its real localStorage
 * handler over a fake `window.localStorage` (Node has none). The artifacts hold the very document a
 * file written by the Node `saveFlow` holds, and a loaded flow computes bit for bit what the saved one did.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Flow, datasets, fit, flowToJSON, loadFlow, neuralSplineFlow, saveFlow, tf } from '../../src/index.js';
import { loadFlow as loadFlowNode, saveFlow as saveFlowNode } from '../../src/node.js';

/** A `Storage` in memory: what the browser's localStorage offers to tf.io. */
class FakeStorage {
  readonly items = new Map<string, string>();
  get length(): number {
    return this.items.size;
  }
  key(i: number): string | null {
    return [...this.items.keys()][i] ?? null;
  }
  getItem(k: string): string | null {
    return this.items.get(k) ?? null;
  }
  setItem(k: string, v: string): void {
    this.items.set(k, String(v));
  }
  removeItem(k: string): void {
    this.items.delete(k);
  }
}

/** Run `body` as if in a browser with `storage` as `window.localStorage`, then restore Node's state. */
async function withLocalStorage<T>(storage: FakeStorage, body: () => Promise<T>): Promise<T> {
  const g = globalThis as { window?: unknown };
  const hadWindow = 'window' in g;
  const previousWindow = g.window;
  const wasBrowser = tf.env().getBool('IS_BROWSER');
  g.window = { localStorage: storage };
  tf.env().set('IS_BROWSER', true);
  try {
    return await body();
  } finally {
    tf.env().set('IS_BROWSER', wasBrowser);
    if (hadWindow) g.window = previousWindow;
    else delete g.window;
  }
}

async function trainedFlow(): Promise<Flow> {
  const flow = neuralSplineFlow({ dim: 2, layers: 2, bins: 4, hidden: [8], seed: 3 });
  const x = datasets.moons(256, { seed: 4 });
  await fit(flow, x, { steps: 5, batchSize: 64, seed: 0 });
  x.dispose();
  return flow;
}

const PROBES = [[0.1, 0.2], [-1, 0.5], [1.5, -0.3], [4, 4]];

function logProbs(flow: Flow): number[] {
  const lp = flow.logProb(PROBES);
  const values = Array.from(lp.dataSync());
  lp.dispose();
  return values;
}

const dir = mkdtempSync(join(tmpdir(), 'tfjs-flows-tf-io-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('saveFlow / loadFlow through tf.io handlers', () => {
  it('puts the file format document in modelTopology, and loads it back bit for bit (in-memory handlers)', async () => {
    const flow = await trainedFlow();
    let saved: tf.io.ModelArtifacts | null = null;
    const result = await saveFlow(
      flow,
      tf.io.withSaveHandler(async (artifacts) => {
        saved = artifacts;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
      { metadata: { note: 'in memory' } },
    );
    expect(result.modelArtifactsInfo.modelTopologyType).toBe('JSON');
    expect(saved!.format).toBe('tfjs-flows');
    // The same document as the Node file format, byte for byte once written the way saveFlow writes files.
    const file = join(dir, 'flow.json');
    await saveFlowNode(flow, file, { metadata: { note: 'in memory' } });
    expect(`${JSON.stringify(saved!.modelTopology, null, 2)}\n`).toBe(readFileSync(file, 'utf8'));
    expect(saved!.modelTopology).toEqual(flowToJSON(flow, { note: 'in memory' }));

    const expected = logProbs(flow);
    const b = flow.sample(50, { seed: 7 });
    const before = tf.memory().numTensors;
    const again = await loadFlow(tf.io.fromMemory(saved!));
    expect(logProbs(again)).toEqual(expected);
    const a = again.sample(50, { seed: 7 });
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    a.dispose();
    again.dispose();
    expect(tf.memory().numTensors).toBe(before);
    b.dispose();
    flow.dispose();
  });

  it("saves to and loads from 'localstorage://name' with tf.io's own localStorage handler", async () => {
    const flow = await trainedFlow();
    const storage = new FakeStorage();
    const expected = logProbs(flow);
    await withLocalStorage(storage, async () => {
      await saveFlow(flow, 'localstorage://moons');
      const keys = [...storage.items.keys()];
      expect(keys).toContain('tensorflowjs_models/moons/model_topology');
      // The stored topology is the flow document, weights (base64) included.
      const stored = JSON.parse(storage.getItem('tensorflowjs_models/moons/model_topology')!);
      expect(stored).toEqual(flowToJSON(flow));
      const again = await loadFlow('localstorage://moons');
      expect(logProbs(again)).toEqual(expected);
      again.dispose();
      // The Node entry's saveFlow/loadFlow route tf.io URLs to the same handlers.
      await saveFlowNode(flow, 'localstorage://moons-node');
      const viaNode = await loadFlowNode('localstorage://moons-node');
      expect(logProbs(viaNode)).toEqual(expected);
      viaNode.dispose();
    });
    flow.dispose();
  });

  it('says which tf.io URLs this platform has when a scheme has no handler (Node has no localStorage)', async () => {
    const flow = await trainedFlow();
    await expect(saveFlow(flow, 'localstorage://x')).rejects.toMatchObject({ name: 'ValidationError', argument: 'destination' });
    await expect(loadFlow('indexeddb://x')).rejects.toMatchObject({ name: 'ValidationError', argument: 'source' });
    flow.dispose();
  });
});
