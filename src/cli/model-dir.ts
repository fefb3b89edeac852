/** Finding the model of a directory written by `tfjs-flows fit` (or a model file given directly). */
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ready } from '../backend.js';
import { FileFormatError, ValidationError } from '../errors.js';
import type { Flow } from '../flow.js';
import { readFlowFile } from '../io/flow-file.js';
import { flowFromJSON } from '../io/format.js';
import type { JsonObject } from '../module.js';
import type { ColumnLayout } from './table.js';
import { FILES } from './train.js';

/** The model file of `target`: `target/flow.json` for a directory, `target` itself for a file. */
export async function modelFile(target: string): Promise<string> {
  let isDir: boolean;
  try {
    isDir = (await stat(target)).isDirectory();
  } catch {
    throw new FileFormatError(target, 'no such model directory or file (write one with `tfjs-flows fit … --out DIR`)');
  }
  if (!isDir) return target;
  const file = join(target, FILES.flow);
  try {
    await stat(file);
  } catch {
    throw new FileFormatError(target, `holds no ${FILES.flow}; is it a directory written by \`tfjs-flows fit\`?`);
  }
  return file;
}

/** The column layout saved by `fit`, or a default one (`x1…xd`, then the context) for models saved by scripts. */
export function layoutOf(metadata: JsonObject | undefined, dim: number, contextDim: number): ColumnLayout {
  const saved = metadata?.layout as unknown as ColumnLayout | undefined;
  if (saved && Array.isArray(saved.columns) && saved.columns.length === dim && Array.isArray(saved.contextColumns) && saved.contextColumns.length === contextDim) return saved;
  const idx = (k: number, from: number) => Array.from({ length: k }, (_, i) => from + i);
  return {
    columns: idx(dim, 1).map((i) => `x${i}`),
    contextColumns: idx(contextDim, 1).map((i) => `c${i}`),
    indices: idx(dim, 0),
    contextIndices: idx(contextDim, dim),
    header: true,
    width: dim + contextDim,
  };
}

/** Open a saved model for a command (file read once): the flow, after `ready()`, and its column layout. */
export async function openModel(target: string): Promise<{ flow: Flow; layout: ColumnLayout }> {
  const file = await modelFile(target);
  const doc = await readFlowFile(file);
  await ready();
  const flow = flowFromJSON(doc, file);
  return { flow, layout: layoutOf(doc.metadata, flow.dim, flow.contextDim) };
}

/**
 * Check, before any work, that `fit --out dir` may write there: `dir` is absent or a directory, and
 * holds no model of an earlier run unless `force`. Returns the earlier run's files (to be replaced).
 */
export async function checkOutDir(fn: string, dir: string, force: boolean): Promise<string[]> {
  let isDir: boolean;
  try {
    isDir = (await stat(dir)).isDirectory();
  } catch {
    return [];
  }
  if (!isDir) throw new FileFormatError(join(dir, FILES.flow), 'could not be written (a file is in the way of a directory on the path)');
  const present: string[] = [];
  for (const f of Object.values(FILES)) {
    try {
      await stat(join(dir, f));
      present.push(f);
    } catch {
      /* absent */
    }
  }
  if (present.length > 0 && !force) {
    throw new ValidationError(fn, '--out', 'a directory without an earlier model, or --force to replace it', `${dir}, which holds ${present.join(', ')}`);
  }
  return present;
}

/** Remove the files of an earlier run in `dir` that this run does not write again (no stale report beside a new model). */
export async function removeStale(dir: string, earlier: string[], written: string[]): Promise<void> {
  for (const f of earlier) if (!written.includes(f)) await rm(join(dir, f), { force: true });
}
