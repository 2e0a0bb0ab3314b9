import { describe, expect, it } from 'vitest';
import { readChunk } from '../../../../../functions/core/batch/formats/read-chunk.ts';
import { STORES } from '../../storage/stores.ts';
import { chunkOf, collect, sampleParquet } from './rows.ts';

describe.each(STORES)('readChunk over $name', ({ make }) => {
  it('dispatches on the chunk format', async () => {
    const store = await make();
    await store.write('a.csv', 'x\n1\n');
    await store.write('a.jsonl', '{"x":1}\n');
    await store.write('a.parquet', sampleParquet(3));
    expect((await collect(readChunk(store, chunkOf({ key: 'a.csv' })))).map((r) => r.values)).toEqual([{ x: '1' }]);
    expect((await collect(readChunk(store, chunkOf({ key: 'a.jsonl', format: 'jsonl' })))).map((r) => r.values)).toEqual([{ x: 1 }]);
    expect((await collect(readChunk(store, chunkOf({ key: 'a.parquet', format: 'parquet' })))).map((r) => r.values!.id)).toEqual(['r0', 'r1', 'r2']);
  });

  it('fails, naming the object, when it does not exist', async () => {
    const store = await make();
    await expect(collect(readChunk(store, chunkOf({ key: 'missing.csv' })))).rejects.toThrow();
    await expect(collect(readChunk(store, chunkOf({ key: 'missing.parquet', format: 'parquet' })))).rejects.toThrow(/missing\.parquet: no such object/);
  });
});

describe('readChunk', () => {
  it('refuses a gzip Parquet chunk when read, not when called', async () => {
    const store = await STORES[0]!.make();
    const rows = readChunk(store, chunkOf({ key: 'a.parquet', format: 'parquet', gzip: true }));
    await expect(collect(rows)).rejects.toThrow(/gzip applies to CSV and JSON Lines, not Parquet/);
  });
});
