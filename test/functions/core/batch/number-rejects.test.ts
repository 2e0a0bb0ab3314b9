import { describe, expect, it } from 'vitest';
import type { Chunk, ChunkResult } from '../../../../functions/core/batch/contracts.ts';
import { firstLines } from '../../../../functions/core/batch/number-rejects.ts';

const range = (index: number, key: string, start: number, end: number): Chunk => ({ index, key, format: 'csv', gzip: false, range: { start, end }, ...(start === 0 && { firstLine: 1 }) });
const committed = (index: number, lines: number) => [index, { index, lines } as ChunkResult] as const;

describe('the first line of chunks that start mid-object', () => {
  it('counts the lines of the chunks before it in its own object, whatever the order of the chunk list', () => {
    const chunks = [range(0, 'a.csv', 0, 10), range(2, 'a.csv', 20, 30), range(1, 'a.csv', 10, 20), range(3, 'b.csv', 0, 10), range(4, 'b.csv', 10, 20)];
    const results = new Map([committed(0, 4), committed(1, 3), committed(2, 5), committed(3, 7), committed(4, 2)]);
    expect(firstLines(chunks, results)).toEqual(new Map([[1, 5], [2, 8], [4, 8]]));
  });

  it('numbers no chunk after one that did not commit, whose lines are not known', () => {
    const chunks = [range(0, 'a.csv', 0, 10), range(1, 'a.csv', 10, 20), range(2, 'a.csv', 20, 30)];
    expect(firstLines(chunks, new Map([committed(0, 4), committed(2, 5)]))).toEqual(new Map());
    expect(firstLines(chunks, new Map([committed(1, 4), committed(2, 5)]))).toEqual(new Map());
  });

  it('leaves whole objects (gzip, Parquet) alone: their workers number their lines or rows', () => {
    const whole: Chunk = { index: 0, key: 'a.csv.gz', format: 'csv', gzip: true, firstLine: 1 };
    expect(firstLines([whole], new Map([committed(0, 9)]))).toEqual(new Map());
  });
});
