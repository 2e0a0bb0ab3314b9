import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Chunk } from '../../../../functions/core/batch/contracts.ts';
import { readChunk } from '../../../../functions/core/batch/formats/read-chunk.ts';
import { openParquet } from '../../../../functions/core/batch/formats/parquet-file.ts';
import { detectFormat, planChunks, rowGroupRanges } from '../../../../functions/core/batch/plan-chunks.ts';
import type { ObjectInfo } from '../../../../functions/core/storage/object-store.ts';
import { STORES } from '../storage/stores.ts';
import { collect, sampleParquet } from './formats/rows.ts';

describe('detectFormat', () => {
  it.each([
    ['in/a.csv', 'csv', false],
    ['in/A.CSV.GZ', 'csv', true],
    ['x.jsonl', 'jsonl', false],
    ['x.ndjson', 'jsonl', false],
    ['x.jsonl.gz', 'jsonl', true],
    ['x.ndjson.gz', 'jsonl', true],
    ['part-0.snappy.parquet', 'parquet', false],
  ])('%s is %s (gzip: %s)', (key, format, gzip) => {
    expect(detectFormat(key)).toEqual({ format, gzip });
  });

  it('refuses an unknown extension, naming the key and the known ones', () => {
    expect(() => detectFormat('in/data.txt')).toThrow('cannot tell the format of "in/data.txt" from its extension: expected .csv, .csv.gz, .jsonl, .ndjson, .jsonl.gz, .ndjson.gz, .parquet');
    expect(() => detectFormat('in/data.parquet.gz')).toThrow(/"in\/data\.parquet\.gz"/);
  });

  it('refuses .json and .json.gz, which usually hold one document, pointing at .jsonl', () => {
    expect(() => detectFormat('x.json.gz')).toThrow(/JSON Lines inputs must be named \.jsonl or \.ndjson/);
  });
});

/** What a chunk carries of its object: the etag and size the plan saw. */
const stampsOf = (objects: readonly ObjectInfo[]) => (key: string) => {
  const { etag, size } = objects.find((o) => o.key === key)!;
  return { etag, size };
};

describe.each(STORES)('planChunks over $name', ({ make }) => {
  it('numbers chunks across objects in key order: byte ranges, gzip whole, empty objects one chunk, each with its object\'s etag and size', async () => {
    const store = await make();
    await store.write('in/b.csv', 'x\n'.repeat(1500)); // 3000 bytes
    await store.write('in/a.jsonl.gz', gzipSync('{"x":1}\n'));
    await store.write('in/c.csv', '');
    const objects = await store.list('in');
    const stamp = stampsOf(objects);
    const chunks = await planChunks(store, objects, 1024);
    expect(chunks).toEqual([
      { index: 0, key: 'in/a.jsonl.gz', format: 'jsonl', gzip: true, ...stamp('in/a.jsonl.gz') },
      { index: 1, key: 'in/b.csv', format: 'csv', gzip: false, range: { start: 0, end: 1024 }, ...stamp('in/b.csv') },
      { index: 2, key: 'in/b.csv', format: 'csv', gzip: false, range: { start: 1024, end: 2048 }, ...stamp('in/b.csv') },
      { index: 3, key: 'in/b.csv', format: 'csv', gzip: false, range: { start: 2048, end: 3000 }, ...stamp('in/b.csv') },
      { index: 4, key: 'in/c.csv', format: 'csv', gzip: false, ...stamp('in/c.csv') },
    ]);
    for (const c of chunks) expect(Chunk.parse(c)).toEqual(c);
    expect(await collect(readChunk(store, chunks[4]!))).toEqual([]);
  });

  it('reads every row exactly once when chunk boundaries fall inside rows', async () => {
    const store = await make();
    const rows = Array.from({ length: 2000 }, (_, i) => `id-${i},${(i * 0.37).toFixed(3)},"q, ${i}"`);
    rows[777] = 'broken,"row'; // a malformed row is still read exactly once
    await store.write('in.csv', `id,x,note\n${rows.join('\n')}\n`);
    const [object] = await store.list('in.csv');
    const chunks = await planChunks(store, [object!], 1024);
    expect(chunks.length).toBe(Math.ceil(object!.size / 1024));
    const read = (await Promise.all(chunks.map((c) => collect(readChunk(store, c))))).flat();
    expect(read.map((r) => r.raw)).toEqual(rows);
    expect(read.filter((r) => r.error).map((r) => r.raw)).toEqual(['broken,"row']);
  });

  it('groups consecutive Parquet row groups up to about chunkBytes, read from the footer', async () => {
    const store = await make();
    await store.write('p/a.parquet', sampleParquet(10_000, 1000)); // 10 row groups
    const [object] = await store.list('p/a.parquet');
    const { metadata } = await openParquet(store, { key: 'p/a.parquet' });
    const groupSize = Number(metadata.row_groups[0]!.total_compressed_size);
    const chunks = await planChunks(store, [object!], Math.floor(groupSize * 3.5));
    expect(chunks.map((c) => c.rowGroups)).toEqual([
      { start: 0, end: 3 },
      { start: 3, end: 6 },
      { start: 6, end: 9 },
      { start: 9, end: 10 },
    ]);
    const rows = (await Promise.all(chunks.map((c) => collect(readChunk(store, c))))).flat();
    expect(rows.map((r) => r.row)).toEqual(Array.from({ length: 10_000 }, (_, i) => i));
  });

  it('a row group larger than chunkBytes is a chunk of its own; a Parquet file without rows is one chunk', async () => {
    const store = await make();
    await store.write('p/big.parquet', sampleParquet(3000, 1000));
    await store.write('p/none.parquet', sampleParquet(0));
    const objects = await store.list('p');
    const stamp = stampsOf(objects);
    const chunks = await planChunks(store, objects, 1024);
    expect(chunks).toEqual([
      { index: 0, key: 'p/big.parquet', format: 'parquet', gzip: false, rowGroups: { start: 0, end: 1 }, ...stamp('p/big.parquet') },
      { index: 1, key: 'p/big.parquet', format: 'parquet', gzip: false, rowGroups: { start: 1, end: 2 }, ...stamp('p/big.parquet') },
      { index: 2, key: 'p/big.parquet', format: 'parquet', gzip: false, rowGroups: { start: 2, end: 3 }, ...stamp('p/big.parquet') },
      { index: 3, key: 'p/none.parquet', format: 'parquet', gzip: false, ...stamp('p/none.parquet') },
    ]);
    for (const c of chunks) Chunk.parse(c);
    expect(await collect(readChunk(store, chunks[3]!))).toEqual([]);
  });

  it('fails before reading anything when an object has an unknown extension', async () => {
    const store = await make();
    await store.write('in/a.csv', 'x\n1\n');
    await store.write('in/_SUCCESS', '');
    await expect(planChunks(store, await store.list('in'), 1024)).rejects.toThrow(/"in\/_SUCCESS"/);
  });
});

describe('rowGroupRanges', () => {
  const metadata = (sizes: number[]) => ({ row_groups: sizes.map((s) => ({ total_compressed_size: BigInt(s), columns: [], num_rows: 1n })) }) as never;
  it('packs greedily without exceeding chunkBytes unless one group alone does', () => {
    expect(rowGroupRanges(metadata([40, 40, 40, 150, 10, 10]), 100)).toEqual([
      { start: 0, end: 2 },
      { start: 2, end: 3 },
      { start: 3, end: 4 },
      { start: 4, end: 6 },
    ]);
    expect(rowGroupRanges(metadata([]), 100)).toEqual([]);
  });
});
