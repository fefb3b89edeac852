/**
 * Text files for saved models and checkpoints (Node only): atomic writes and reads whose failures
 * are `FileFormatError`s naming the file in plain words.
 */
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { FileFormatError } from '../errors.js';

let tempCounter = 0;

/** A short reason for a file-system error (`no such file`, `permission denied`…). */
export function fileErrorReason(e: unknown, what = 'a model file'): string {
  const err = e as NodeJS.ErrnoException;
  const messages: Record<string, string> = {
    ENOENT: 'no such file',
    EISDIR: `is a directory, not ${what}`,
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    ENOSPC: 'no space left on the device',
    ENOTDIR: 'a parent of the path is not a directory',
    EEXIST: 'a file is in the way of a directory on the path',
  };
  return (err?.code && messages[err.code]) ?? err?.message ?? String(e);
}

/**
 * Write `text` to `path` atomically: to a temporary file in the same directory, flushed to disk, then
 * renamed over `path`, so a crash leaves either the old file or the complete new one. Missing parent
 * directories are created. Failures throw `FileFormatError` naming `path`.
 */
export async function writeTextAtomic(path: string, text: string): Promise<void> {
  const target = resolve(path);
  const dir = dirname(target);
  const temp = join(dir, `.${basename(target)}.${process.pid}.${++tempCounter}.tmp`);
  try {
    await mkdir(dir, { recursive: true });
    const handle = await open(temp, 'wx');
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (e) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw new FileFormatError(path, `could not be written (${fileErrorReason(e)})`);
  }
  // Make the rename itself durable; not possible everywhere (Windows), and the file is complete either way.
  try {
    const d = await open(dir, 'r');
    await d.sync().finally(() => d.close());
  } catch {
    /* best effort */
  }
}

/** The file's text; a missing or unreadable file throws `FileFormatError` naming `path`. */
export async function readTextFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw new FileFormatError(path, `cannot be read (${fileErrorReason(e)})`);
  }
}
