/**
 * saveFlow writes a temporary file and renames it over the target, so an interruption at any point
 * leaves either the old model or the new one, complete. `rename` is wrapped to look at the disk at
 * the moment of the switch, and to simulate a crash just before it.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { Affine, DiagNormal, FileFormatError, Flow, flowFromJSON, tf } from '../../src/index.js';
import { loadFlow, saveFlow } from '../../src/node.js';

vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  return { ...actual, rename: vi.fn(actual.rename) };
});

const dir = mkdtempSync(join(tmpdir(), 'tfjs-flows-atomic-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const makeFlow = (shift: number) => new Flow(new DiagNormal(2), new Affine(2, { shift: [shift, -shift], scale: [2, 3] }));
const x = [[0.5, 1], [2, -3]];
const read = (t: tf.Tensor) => {
  const v = Array.from(t.dataSync());
  t.dispose();
  return v;
};

describe('saveFlow is atomic', () => {
  it('at the moment of the rename the target holds the whole old model and the temporary file the whole new one', async () => {
    const path = join(dir, 'switch.json');
    const [a, b] = [makeFlow(1), makeFlow(2)];
    await saveFlow(a, path);
    const old = readFileSync(path, 'utf8');
    const seen: { target: string; temp: string; tempPath: string }[] = [];
    const actualRename = (await vi.importActual<typeof import('node:fs/promises')>('node:fs/promises')).rename;
    vi.mocked(fsp.rename).mockImplementationOnce(async (from, to) => {
      seen.push({ target: readFileSync(to, 'utf8'), temp: readFileSync(from, 'utf8'), tempPath: String(from) });
      return actualRename(from, to);
    });
    await saveFlow(b, path);
    expect(seen).toHaveLength(1);
    expect(seen[0].target).toBe(old);
    expect(seen[0].tempPath.startsWith(join(dir, '.switch.json.'))).toBe(true); // same directory, so rename does not copy
    expect(seen[0].temp).toBe(readFileSync(path, 'utf8'));
    const fromTemp = flowFromJSON(seen[0].temp, 'temp');
    expect(read(fromTemp.logProb(x))).toEqual(read(b.logProb(x)));
    [a, b, fromTemp].forEach((f) => f.dispose());
  });

  it('a crash just before the rename leaves the old model intact and loadable', async () => {
    const path = join(dir, 'crash.json');
    const [a, b] = [makeFlow(1), makeFlow(2)];
    await saveFlow(a, path);
    const old = readFileSync(path);
    vi.mocked(fsp.rename).mockRejectedValueOnce(Object.assign(new Error('EIO: i/o error'), { code: 'EIO' }));
    const err = await saveFlow(b, path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FileFormatError);
    expect((err as Error).message).toBe(`${path}: could not be written (EIO: i/o error)`);
    expect(readFileSync(path).equals(old)).toBe(true);
    expect(readdirSync(dir).filter((f) => f.includes('crash'))).toEqual(['crash.json']);
    const loaded = await loadFlow(path);
    expect(read(loaded.logProb(x))).toEqual(read(a.logProb(x)));
    [a, b, loaded].forEach((f) => f.dispose());
  });
});
