import { describe, expect, it, vi } from 'vitest';
import { RequestCapture } from '../../functions/core/capture/request-capture.ts';
import type { ObjectStore } from '../../functions/core/storage/object-store.ts';
import { flushCaptureWhenDue } from '../../local/capture-timer.ts';
import { MODELS, model, readPackage } from '../support/models.ts';

const example = readPackage(MODELS.breastCancer).examples[0]!;

describe('the local server\'s capture timer', () => {
  it('writes a buffer once it is due, without waiting for another request', async () => {
    const written: string[] = [];
    const store = { write: async (key: string) => void written.push(key) } as unknown as ObjectStore;
    let now = 0;
    const capture = new RequestCapture({ store, prefix: 'captures', sampleRate: 1, maxAgeMs: 60_000, now: () => now });
    capture.add(await model(MODELS.breastCancer), 'r1', [example.instance], [example.prediction as never]);
    vi.useFakeTimers();
    const timer = flushCaptureWhenDue(capture, 10);
    try {
      await vi.advanceTimersByTimeAsync(50);
      expect(written).toEqual([]);
      now = 60_000;
      await vi.advanceTimersByTimeAsync(10);
      expect(written).toEqual([expect.stringMatching(/^captures\/breast-cancer\/1\.0\.0\/dt=1970-01-01\/hr=00\//)]);
    } finally {
      clearInterval(timer);
      vi.useRealTimers();
    }
  });

  it('never keeps the process alive', () => {
    const timer = flushCaptureWhenDue(new RequestCapture({ store: {} as ObjectStore, prefix: '', sampleRate: 1 }));
    clearInterval(timer);
    expect(timer.hasRef()).toBe(false);
  });
});
