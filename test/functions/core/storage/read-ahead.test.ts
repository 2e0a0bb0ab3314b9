import { describe, expect, it } from 'vitest';
import { readAhead } from '../../../../functions/core/storage/read-ahead.ts';

/** A source of `count` pieces of `size` bytes, recording how far it was pulled and whether it was stopped. */
function source(count: number, size: number, failAt?: number) {
  const state = { pulled: 0, stopped: false };
  async function* pieces() {
    try {
      for (let i = 0; i < count; i++) {
        if (i === failAt) throw new Error(`read failed at piece ${i}`);
        state.pulled++;
        yield Buffer.alloc(size, i % 256);
      }
    } finally {
      state.stopped = true;
    }
  }
  return { state, pieces: pieces() };
}

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('read-ahead', () => {
  it('delivers every piece in order', async () => {
    const { pieces } = source(50, 10);
    const seen: number[] = [];
    for await (const piece of readAhead(pieces, 64)) seen.push(piece[0]!);
    expect(seen).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('pulls ahead while the consumer is busy, but no further than the limit', async () => {
    const { state, pieces } = source(100, 10);
    const reader = readAhead(pieces, 50);
    await reader.next();
    await tick();
    // One piece delivered, five queued (50 bytes), none beyond.
    expect(state.pulled).toBe(6);
    await reader.return(undefined);
    expect(state.stopped).toBe(true);
  });

  it('gives the bytes read before a failure, then the failure', async () => {
    const { pieces } = source(10, 10, 4);
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const piece of readAhead(pieces, 1_000)) seen.push(piece[0]!);
      })(),
    ).rejects.toThrow('read failed at piece 4');
    expect(seen).toEqual([0, 1, 2, 3]);
  });

  it('stops the source when the consumer stops early', async () => {
    const { state, pieces } = source(1_000, 10);
    for await (const piece of readAhead(pieces, 100)) if (piece[0] === 2) break;
    expect(state.stopped).toBe(true);
    expect(state.pulled).toBeLessThan(20);
  });
});
