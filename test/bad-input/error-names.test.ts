/**
 * Every error class carries its name as a literal, so `e.name === 'ValidationError'` holds even in a
 * minified bundle where the classes themselves have been renamed.
 */
import { buildSync } from 'esbuild';
import { describe, expect, it } from 'vitest';
import * as errors from '../../src/errors.js';

const CLASSES = [
  'FlowError',
  'ValidationError',
  'BackendError',
  'NotReadyError',
  'NotInvertibleError',
  'TrainingError',
  'FileFormatError',
  'RenderError',
  'BrowserNotFoundError',
] as const;

/** One instance of each class, built with the arguments its constructor takes. */
function instances(mod: Record<string, unknown>): Record<string, Error> {
  const C = mod as unknown as Record<string, new (...a: unknown[]) => Error>;
  return {
    FlowError: new C.FlowError('m'),
    ValidationError: new C.ValidationError('f', 'a', 'e', 'g'),
    BackendError: new C.BackendError('m'),
    NotReadyError: new C.NotReadyError('f'),
    NotInvertibleError: new C.NotInvertibleError('m'),
    TrainingError: new C.TrainingError('m', 3),
    FileFormatError: new C.FileFormatError('p', 'm'),
    RenderError: new C.RenderError('m'),
    BrowserNotFoundError: new C.BrowserNotFoundError('m'),
  };
}

describe('error class names', () => {
  it('each class has its own name, and subclasses of subclasses keep theirs', () => {
    const made = instances(errors as unknown as Record<string, unknown>);
    for (const name of CLASSES) {
      expect(made[name].name).toBe(name);
      expect(made[name]).toBeInstanceOf(errors.FlowError);
      expect(String(made[name])).toMatch(new RegExp(`^${name}: `));
    }
  });

  it('names survive minification (esbuild --minify renames the classes)', async () => {
    const out = buildSync({
      entryPoints: ['src/errors.ts'],
      bundle: true,
      minify: true,
      format: 'esm',
      write: false,
      platform: 'neutral',
    });
    const code = out.outputFiles[0].text;
    // The bundle really did rename the classes: otherwise this test could not fail.
    expect(code).not.toMatch(/class ValidationError\b/);
    const mod = (await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`)) as Record<string, unknown>;
    const made = instances(mod);
    for (const name of CLASSES) expect(made[name].name).toBe(name);
  });
});
