/**
 * The package compiled from `src` into a scratch folder under out/ (so that Node resolves its
 * dependencies from the repository's node_modules), for tests of what only the built package runs:
 * the compiled worker scripts. Call inside a `describe`; the folder is removed after its tests.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, expect } from 'vitest';

/** The repository root. */
export const repoRoot = resolve(__dirname, '../..');

/** A fresh scratch folder named `prefix…` under out/; `build()` compiles the package into it (asserting tsc succeeded). */
export function builtPackage(prefix: string): { dir: string; build(): void } {
  mkdirSync(join(repoRoot, 'out'), { recursive: true });
  const dir = mkdtempSync(join(repoRoot, 'out', prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return {
    dir,
    build() {
      const tsc = spawnSync(process.execPath, [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', join(repoRoot, 'tsconfig.build.json'), '--outDir', dir], { encoding: 'utf8', timeout: 120_000 });
      expect(tsc.status, tsc.stdout + tsc.stderr).toBe(0);
    },
  };
}
