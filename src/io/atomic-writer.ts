/**
 * A file written piece by piece, atomically (Node only): the pieces go to a temporary file in the same
 * directory; `commit` flushes it to disk and renames it over the target, so the target is at every
 * moment either the old file (or absent) or the complete new one. `abort` (or the process exiting
 * before `commit`, even through `process.exit`) removes the temporary file.
 */
import { rmSync } from 'node:fs';
import { type FileHandle, mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { FileFormatError } from '../errors.js';
import { fileErrorReason } from './text-file.js';

let counter = 0;

export interface AtomicWriter {
  /** The temporary file being written. */
  readonly tempPath: string;
  /** Append `text` (UTF-8). */
  write(text: string): Promise<void>;
  /** Flush, then rename over the target. */
  commit(): Promise<void>;
  /** Drop the temporary file; the target is left as it was. */
  abort(): Promise<void>;
}

/** Start writing `path` atomically. Missing parent directories are created; failures throw `FileFormatError` naming `path`. */
export async function openAtomic(path: string): Promise<AtomicWriter> {
  const target = resolve(path);
  const dir = dirname(target);
  const tempPath = join(dir, `.${basename(target)}.${process.pid}.${++counter}.tmp`);
  const fail = (e: unknown) => new FileFormatError(path, `could not be written (${fileErrorReason(e, 'a file')})`);
  let handle: FileHandle;
  try {
    await mkdir(dir, { recursive: true });
    handle = await open(tempPath, 'wx');
  } catch (e) {
    throw fail(e);
  }
  let open_ = true;
  const cleanup = () => {
    if (open_) rmSync(tempPath, { force: true });
  };
  process.on('exit', cleanup);
  const finish = async () => {
    open_ = false;
    process.off('exit', cleanup);
  };
  const writer: AtomicWriter = {
    tempPath,
    async write(text) {
      try {
        await handle.write(text);
      } catch (e) {
        await writer.abort();
        throw fail(e);
      }
    },
    async commit() {
      try {
        await handle.sync();
        await handle.close();
        await rename(tempPath, target);
      } catch (e) {
        await handle.close().catch(() => undefined);
        await rm(tempPath, { force: true }).catch(() => undefined);
        await finish();
        throw fail(e);
      }
      await finish();
    },
    async abort() {
      await handle.close().catch(() => undefined);
      await rm(tempPath, { force: true }).catch(() => undefined);
      await finish();
    },
  };
  return writer;
}
