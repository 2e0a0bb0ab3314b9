import { parquetMetadata, parquetReadObjects, readOffsetIndex } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { openParquet } from '../../../../../functions/core/batch/formats/parquet-file.ts';
import { readParquet } from '../../../../../functions/core/batch/formats/parquet-reader.ts';
import type { ByteRange, ObjectStore } from '../../../../../functions/core/storage/object-store.ts';
import { STORES } from '../../storage/stores.ts';
import { forwarding } from '../../../../support/batch-job.ts';
import { chunkOf, collect, sampleParquet } from './rows.ts';
import { rowsOf } from '../../../../../functions/core/batch/formats/source-row.ts';

/** The store, with every ranged read it serves reported to `seen` first; `fail` refuses the reads it names. */
const watched = (store: ObjectStore, seen: (range: ByteRange | undefined) => void, fail = (_range: ByteRange | undefined) => false) =>
  forwarding(store, {
    readBytes: async (key, range, etag) => {
      seen(range);
      if (fail(range)) throw new Error(`no bytes at ${range?.start}`);
      return store.readBytes(key, range, etag);
    },
  });

describe.each(STORES)('readParquet over $name', ({ make }) => {
  /** The row group whose column chunks a read starts at (-1 for any other read), from the file's own offsets. */
  const groupAt = async (store: ObjectStore, key: string) => {
    const { metadata } = await openParquet(store, { key });
    const starts = metadata.row_groups.map((g) => Math.min(...g.columns.map((c) => Number(c.meta_data!.dictionary_page_offset ?? c.meta_data!.data_page_offset))));
    return (range: ByteRange | undefined) => (range ? starts.indexOf(range.start) : -1);
  };

  it('reads the whole file when the chunk names no row groups: values by column name, row = index in the object', async () => {
    const store = await make();
    await store.write('in.parquet', sampleParquet());
    const rows = await collect(readParquet(store, chunkOf({ key: 'in.parquet', format: 'parquet' })));
    expect(rows).toHaveLength(2500);
    expect(rows[0]).toEqual({ row: 0, values: { id: 'r0', x: 0, n: null } });
    expect(rows[1234]).toEqual({ row: 1234, values: { id: 'r1234', x: 308.5, n: 1234n } });
  });

  it('fetches and decodes only the columns asked for, and ignores asked-for columns the file lacks', async () => {
    const store = await make();
    await store.write('wide.parquet', sampleParquet());
    let bytesRead = 0;
    const counting = watched(store, (range) => (bytesRead += range ? range.end - range.start : 0));
    const all = await collect(readParquet(counting, chunkOf({ key: 'wide.parquet', format: 'parquet' })));
    const everything = bytesRead;
    bytesRead = 0;
    const some = await collect(readParquet(counting, chunkOf({ key: 'wide.parquet', format: 'parquet' }), ['x', 'nope']));
    expect(some.map((r) => r.values)).toEqual(all.map((r) => ({ x: r.values!.x })));
    expect(bytesRead).toBeLessThan(everything * 0.75);
  });

  it('reads only the chunk\'s row groups', async () => {
    const store = await make();
    await store.write('in.parquet', sampleParquet());
    const rows = await collect(readParquet(store, chunkOf({ key: 'in.parquet', format: 'parquet', rowGroups: { start: 1, end: 3 } })));
    expect(rows.map((r) => r.row)).toEqual(Array.from({ length: 1500 }, (_, i) => 1000 + i));
    expect(rows.at(-1)!.values).toEqual({ id: 'r2499', x: 624.75, n: 2499n });
  });

  it('yields one batch of columns per row group, without building row objects', async () => {
    const store = await make();
    await store.write('big.parquet', sampleParquet(5000, 2000));
    const batches = [];
    for await (const batch of readParquet(store, chunkOf({ key: 'big.parquet', format: 'parquet' }))) batches.push(batch);
    expect(batches.map((b) => [b.firstRow, b.rows])).toEqual([[0, 2000], [2000, 2000], [4000, 1000]]);
    expect([...batches[1]!.columns.keys()]).toEqual(['id', 'x', 'n']);
    expect(Array.from(batches[1]!.columns.get('x')!).slice(0, 3)).toEqual([500, 500.25, 500.5]);
  });

  it('reads a large row group a page at a time: no batch crosses a page boundary of any column, and every row comes once, in order', async () => {
    const store = await make();
    const bytes = sampleParquet(5000, 5000, 4096);
    await store.write('one-group.parquet', bytes);
    // Where each column's pages start, from the offset indexes the writer leaves.
    const file = bytes.buffer as ArrayBuffer;
    const pageStarts = parquetMetadata(file).row_groups[0]!.columns.flatMap((c) => {
      const at = Number(c.offset_index_offset);
      const { page_locations } = readOffsetIndex({ view: new DataView(file, at, c.offset_index_length), offset: 0 });
      return page_locations.map((p) => Number(p.first_row_index)).filter((row) => row > 0);
    });
    expect(pageStarts.length).toBeGreaterThan(3);
    const batches = [];
    for await (const batch of readParquet(store, chunkOf({ key: 'one-group.parquet', format: 'parquet' }))) batches.push(batch);
    expect(batches.length).toBeGreaterThan(1);
    const crossing = batches.filter((b) => pageStarts.some((row) => row > b.firstRow && row < b.firstRow + b.rows));
    expect(crossing.map((b) => [b.firstRow, b.rows])).toEqual([]);
    const rows = batches.flatMap((b) => rowsOf(b));
    expect(rows.map((r) => r.row)).toEqual(Array.from({ length: 5000 }, (_, i) => i));
    // hyparquet's own whole-file reader, independent of the page-by-page path under test.
    const whole = await parquetReadObjects({ file: bytes.buffer as ArrayBuffer });
    expect(rows.map((r) => r.values)).toEqual(whole);
    expect(rows[4321]!.values).toEqual({ id: 'r4321', x: 1080.25, n: 4321n });
    expect(rows[4320]!.values).toEqual({ id: 'r4320', x: 1080, n: null });
  });

  it('fetches a row group\'s bytes once, however many batches it is read in', async () => {
    const store = await make();
    await store.write('one-group.parquet', sampleParquet(5000, 5000, 4096));
    const group = await groupAt(store, 'one-group.parquet');
    const groupReads: ByteRange[] = [];
    const watching = watched(store, (range) => group(range) === 0 && groupReads.push(range!));
    expect(await collect(readParquet(watching, chunkOf({ key: 'one-group.parquet', format: 'parquet' })))).toHaveLength(5000);
    expect(groupReads).toHaveLength(1);
  });

  it('refuses a nested column among those asked for, naming it, and reads the file without it', async () => {
    const store = await make();
    const schema = [
      { name: 'root', num_children: 2 },
      { name: 'x', type: 'DOUBLE', repetition_type: 'REQUIRED' },
      { name: 'tags', repetition_type: 'OPTIONAL', num_children: 1, converted_type: 'LIST' },
      { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
      { name: 'element', type: 'INT32', repetition_type: 'OPTIONAL' },
    ] as const;
    await store.write('nested.parquet', new Uint8Array(parquetWriteBuffer({ columnData: [{ name: 'x', data: [1.5, 2.5] }, { name: 'tags', data: [[1, 2], [3]] }], schema: [...schema] })));
    const chunk = chunkOf({ key: 'nested.parquet', format: 'parquet' });
    await expect(collect(readParquet(store, chunk, ['x', 'tags']))).rejects.toMatchObject({ name: 'BadInput', message: expect.stringMatching(/nested\.parquet: column "tags" is nested \(a list, map or struct\)/) });
    expect((await collect(readParquet(store, chunk, ['x']))).map((r) => r.values)).toEqual([{ x: 1.5 }, { x: 2.5 }]);
  });

  it('a file with no rows has no rows', async () => {
    const store = await make();
    await store.write('none.parquet', sampleParquet(0));
    expect(await collect(readParquet(store, chunkOf({ key: 'none.parquet', format: 'parquet' })))).toEqual([]);
  });

  it('refuses an object that is not Parquet, naming it, and passes a failed read on as the store gave it, for a retry', async () => {
    const store = await make();
    await store.write('fake.parquet', 'id,x\n1,2\n');
    await expect(collect(readParquet(store, chunkOf({ key: 'fake.parquet', format: 'parquet' })))).rejects.toMatchObject({ name: 'BadInput', message: expect.stringMatching(/fake\.parquet: not a readable Parquet file/) });
    await store.write('good.parquet', sampleParquet(10));
    await expect(collect(readParquet(watched(store, () => undefined, () => true), chunkOf({ key: 'good.parquet', format: 'parquet' })))).rejects.toMatchObject({ name: 'Error', message: expect.stringMatching(/^no bytes at/) });
  });

  it('finds the footer without asking the store for the size a chunk carries', async () => {
    const store = await make();
    await store.write('sized.parquet', sampleParquet(10));
    const { size } = (await store.head('sized.parquet'))!;
    const headless = forwarding(store, { head: () => Promise.reject(new Error('no HEAD expected')) });
    expect(await collect(readParquet(headless, chunkOf({ key: 'sized.parquet', format: 'parquet', size })))).toHaveLength(10);
  });

  /** Reads a 3-row-group file and returns, at each batch handed over, the row groups whose bytes were asked for so far. */
  const groupsRequestedAtEachBatch = async (store: ObjectStore, readAheadBytes?: number) => {
    await store.write('big.parquet', sampleParquet(5000, 2000));
    const group = await groupAt(store, 'big.parquet');
    const requested = new Set<number>();
    const reader = watched(store, (range) => requested.add(group(range)));
    const seen: number[][] = [];
    for await (const _ of readParquet(reader, chunkOf({ key: 'big.parquet', format: 'parquet' }), undefined, undefined, readAheadBytes)) seen.push([...requested].filter((g) => g >= 0).sort());
    return seen;
  };

  it('fetches the next row group while the consumer works on the current one, and no further ahead', async () => {
    expect(await groupsRequestedAtEachBatch(await make())).toEqual([[0, 1], [0, 1, 2], [0, 1, 2]]);
  });

  it('reports a failed read of a row group ahead only when the consumer reaches it, and none when it stops before', async () => {
    const store = await make();
    await store.write('big.parquet', sampleParquet(5000, 2000));
    const group = await groupAt(store, 'big.parquet');
    const reader = watched(store, () => undefined, (range) => group(range) === 1);
    const chunk = chunkOf({ key: 'big.parquet', format: 'parquet' });
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      for await (const batch of readParquet(reader, chunk)) {
        expect(batch).toMatchObject({ firstRow: 0, rows: 2000 });
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).toEqual([]);
    const firsts: number[] = [];
    await expect((async () => {
      for await (const batch of readParquet(reader, chunk)) firsts.push('firstRow' in batch ? batch.firstRow : -1);
    })()).rejects.toThrow(/no bytes at/);
    expect(firsts).toEqual([0]);
  });

  it('does not read ahead a row group larger than the read-ahead limit: it is fetched when its turn comes', async () => {
    expect(await groupsRequestedAtEachBatch(await make(), 100)).toEqual([[0], [0, 1], [0, 1, 2]]);
  });
});
