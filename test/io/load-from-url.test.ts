import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Affine, DiagNormal, FileFormatError, Flow, Permute, Chain, ValidationError, flowToJSON, loadFlowFromUrl, tf } from '../../src/index.js';

let server: Server;
let base: string;
let flow: Flow;
let text: string;

beforeAll(async () => {
  flow = new Flow(new DiagNormal(3, { loc: [1, 2, 3] }), new Chain([new Affine(3, { shift: [0.1, 0.2, 0.3], scale: [2, 3, 4] }), new Permute([2, 1, 0])]));
  text = JSON.stringify(flowToJSON(flow));
  server = createServer((req, res) => {
    if (req.url === '/model.json') res.writeHead(200, { 'content-type': 'application/json' }).end(text);
    else if (req.url === '/half.json') res.writeHead(200).end(text.slice(0, text.length / 2));
    else res.writeHead(404, 'Not Found').end('nothing here');
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  flow.dispose();
  await new Promise((ok) => server.close(ok));
});

function bits(t: tf.Tensor): number[] {
  const v = t.dataSync() as Float32Array;
  const out = Array.from(new Uint32Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength)));
  t.dispose();
  return out;
}

async function urlError(url: string): Promise<Error> {
  const before = tf.memory().numTensors;
  const err = await loadFlowFromUrl(url).then((f) => f.dispose(), (e: unknown) => e);
  expect(tf.memory().numTensors).toBe(before);
  expect(err).toBeInstanceOf(FileFormatError);
  expect((err as FileFormatError).path).toBe(url);
  return err as Error;
}

describe('loadFlowFromUrl', () => {
  it('fetches a saved flow that computes bit for bit the same', async () => {
    const loaded = await loadFlowFromUrl(`${base}/model.json`);
    const x = [[1, 2, 3], [0, -1, 5]];
    expect(bits(loaded.logProb(x))).toEqual(bits(flow.logProb(x)));
    expect(bits(loaded.sample(10, { seed: 'url' }))).toEqual(bits(flow.sample(10, { seed: 'url' })));
    loaded.dispose();
    const again = await loadFlowFromUrl(new URL('/model.json', base));
    again.dispose();
  });

  it('an HTTP error, a truncated download or an unreachable host is a FileFormatError naming the URL', async () => {
    expect((await urlError(`${base}/missing.json`)).message).toBe(`${base}/missing.json: could not be fetched: HTTP 404 Not Found`);
    expect((await urlError(`${base}/half.json`)).message).toMatch(/half\.json: is truncated/);
    // A port that was just closed: nothing listens there.
    const closed = createServer();
    await new Promise<void>((ok) => closed.listen(0, '127.0.0.1', ok));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((ok) => closed.close(ok));
    expect((await urlError(`http://127.0.0.1:${port}/model.json`)).message).toMatch(/could not be fetched \(/);
  });

  it('rejects a non-URL argument', async () => {
    await expect(loadFlowFromUrl(42 as never)).rejects.toThrow(ValidationError);
    await expect(loadFlowFromUrl(42 as never)).rejects.toThrow(/loadFlowFromUrl: argument 'url' must be a string or URL; got 42/);
  });
});
