import { describe, expect, it } from 'vitest';
import { createProgress } from '../../src/train/progress.js';

function fakeStream(isTTY: boolean) {
  const chunks: string[] = [];
  return { stream: { isTTY, columns: 120, write: (c: string) => (chunks.push(String(c)), true), on() {}, removeListener() {} }, chunks };
}

describe('createProgress', () => {
  it('is silent when the stream is not a TTY, or when progress is false', async () => {
    for (const [tty, enabled] of [[false, undefined], [false, true], [true, false]] as const) {
      const { stream, chunks } = fakeStream(tty);
      const p = await createProgress(enabled, 100, stream);
      p.update({ step: 1, totalSteps: 100, loss: 1 });
      p.stop();
      expect(p.active).toBe(false);
      expect(chunks.join('')).toBe('');
    }
  });

  it('draws steps, loss, validation loss, steps/s and ETA on a TTY', async () => {
    const { stream, chunks } = fakeStream(true);
    const p = await createProgress(undefined, 100, stream);
    expect(p.active).toBe(true);
    p.update({ step: 10, totalSteps: 100, loss: 1.25, validationLoss: 1.5 });
    p.stop();
    const text = chunks.join('');
    expect(text).toMatch(/10\/100/);
    expect(text).toMatch(/loss 1\.2500/);
    expect(text).toMatch(/val 1\.5000/);
    expect(text).toMatch(/steps\/s/);
    expect(text).toMatch(/ETA (\d+s|\d+m\d+s|–)/);
  });
});
