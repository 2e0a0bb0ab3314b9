import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { forwarding } from '../../../../support/batch-job.ts';
import { describe, expect, it } from 'vitest';
import { readCsvColumns } from '../../../../../functions/core/batch/formats/csv-columns.ts';
import { type CsvReadOptions, readCsv } from '../../../../../functions/core/batch/formats/csv-reader.ts';
import type { Chunk } from '../../../../../functions/core/batch/contracts.ts';
import type { ObjectStore } from '../../../../../functions/core/storage/object-store.ts';
import { STORES } from '../../storage/stores.ts';
import { chunkOf, collect, rangeChunks } from './rows.ts';

const MALFORMED = [
  'id,x,y', //                       line 1: header
  'a,1.5,2', //                      line 2
  'b,1', //                          line 3: a field missing
  'c,1,2,3', //                      line 4: a field extra
  'd,"unclosed,2', //                line 5: broken quoting
  'e,"quoted, with comma",3', //    line 6
  '', //                             line 7: blank, not a row
  'f,,', //                          line 8: empty fields are ''
].join('\n');

// The reader by columns must give the very rows the reader of rows gives: its text columns are compared here, its numbers in csv-columns.test.ts.
const READERS = [
  { reader: 'readCsv', read: readCsv },
  { reader: 'readCsvColumns', read: (store: ObjectStore, chunk: Chunk, options?: CsvReadOptions) => readCsvColumns(store, chunk, { ...options, numeric: [] }) },
];

describe.each(READERS)('$reader', ({ read }) => describe.each(STORES)('over $name', ({ make }) => {
  it('reads rows by header name with line numbers, offsets and raw text; malformed lines are rows with errors', async () => {
    const store = await make();
    await store.write('in.csv', `${MALFORMED}\n`);
    const rows = await collect(read(store, chunkOf({ key: 'in.csv' })));
    expect(rows).toEqual([
      { line: 2, offset: 7, raw: 'a,1.5,2', values: { id: 'a', x: '1.5', y: '2' } },
      { line: 3, offset: 15, raw: 'b,1', error: 'expected 3 fields (as the header), got 2' },
      { line: 4, offset: 19, raw: 'c,1,2,3', error: 'expected 3 fields (as the header), got 4' },
      { line: 5, offset: 27, raw: 'd,"unclosed,2', error: expect.stringMatching(/^broken quoting: a quoted field is not closed/) },
      { line: 6, offset: 41, raw: 'e,"quoted, with comma",3', values: { id: 'e', x: 'quoted, with comma', y: '3' } },
      { line: 8, offset: 67, raw: 'f,,', values: { id: 'f', x: '', y: '' } },
    ]);
  });

  it('a broken line never swallows the lines after it', async () => {
    const store = await make();
    await store.write('q.csv', 'id,x\n1,"a\n2,b\n3,c"\n4,d\n');
    const rows = await collect(read(store, chunkOf({ key: 'q.csv' })));
    expect(rows.map((r) => [r.line, r.error === undefined])).toEqual([
      [2, false], // the field opened here spans lines: rejected, not silently cut
      [3, true],
      [4, false], // its closing line holds an odd number of quotes: rejected too
      [5, true],
    ]);
  });

  it('chunks after byte 0 read the header with a small ranged read and give the same rows', async () => {
    const store = await make();
    const body = `id,value\n${Array.from({ length: 200 }, (_, i) => `r${i},${i * 1.5}`).join('\r\n')}\r\n`;
    await store.write('split.csv', body);
    const whole = await collect(read(store, chunkOf({ key: 'split.csv' })));
    const chunks = rangeChunks('split.csv', Buffer.byteLength(body), 97);
    const parts = await Promise.all(chunks.map((c) => collect(read(store, c))));
    const split = parts.flat();
    expect(whole).toHaveLength(200);
    expect(split.map(({ offset, values }) => ({ offset, values }))).toEqual(whole.map(({ offset, values }) => ({ offset, values })));
    expect(split.filter((r) => r.line !== undefined).every((r) => r.offset! < 97)).toBe(true);
  });

  it('a header-only object has no rows, in one chunk or many', async () => {
    const store = await make();
    await store.write('h.csv', 'id,x,y\n');
    expect(await collect(read(store, chunkOf({ key: 'h.csv' })))).toEqual([]);
    for (const c of rangeChunks('h.csv', 7, 3)) expect(await collect(read(store, c))).toEqual([]);
  });

  it('an empty object has no rows', async () => {
    const store = await make();
    await store.write('empty.csv', '');
    expect(await collect(read(store, chunkOf({ key: 'empty.csv' })))).toEqual([]);
  });

  it('reads gzip objects whole, with line numbers and offsets in the uncompressed text', async () => {
    const store = await make();
    await store.write('in.csv.gz', gzipSync(`${MALFORMED}\n`));
    const rows = await collect(read(store, chunkOf({ key: 'in.csv.gz', gzip: true })));
    expect(rows.map((r) => [r.line, r.offset, r.error === undefined])).toEqual([
      [2, 7, true],
      [3, 15, false],
      [4, 19, false],
      [5, 27, false],
      [6, 41, true],
      [8, 67, true],
    ]);
  });

  it('fails the chunk as a bad input, naming the object, when the gzip stream is cut short, corrupt or not gzip', async () => {
    const store = await make();
    const gz = gzipSync('id,x\n1,2\n'.repeat(1000));
    const cut = gz.subarray(0, gz.length - 20);
    const flipped = Buffer.from(gz);
    flipped[flipped.length - 5]! ^= 0xff; // the stored length: the data check fails
    const inputs = { 'cut.csv.gz': cut, 'flipped.csv.gz': flipped, 'plain.csv.gz': Buffer.from('id,x\n1,2\n') };
    for (const [key, bytes] of Object.entries(inputs)) await store.write(key, bytes);
    const readGzip = (key: keyof typeof inputs, size = inputs[key].length) => collect(read(store, chunkOf({ key, gzip: true, size })));
    await expect(readGzip('cut.csv.gz')).rejects.toMatchObject({ name: 'BadInput', message: `${store.uri('cut.csv.gz')}: the gzip stream is cut short (unexpected end of file): the file is incomplete` });
    await expect(readGzip('flipped.csv.gz')).rejects.toMatchObject({ name: 'BadInput', message: expect.stringMatching(/flipped\.csv\.gz: not a readable gzip stream \(incorrect (data|length) check\)/) });
    await expect(readGzip('plain.csv.gz')).rejects.toMatchObject({ name: 'BadInput', message: expect.stringMatching(/plain\.csv\.gz: not a readable gzip stream \(incorrect header check\)/) });
    // Bytes missing from what the plan saw: a read cut short, which another attempt may complete.
    await expect(readGzip('cut.csv.gz', cut.length + 100)).rejects.toMatchObject({ name: 'Error', message: expect.stringMatching(/unexpected end of file/) });
  });

  it('fails a gzip chunk whose read fails before its first byte, instead of taking it for an empty object', async () => {
    const store = await make();
    await store.write('in.csv.gz', gzipSync('id,x\n1,2\n'));
    const broken = forwarding(store, { read: async () => Readable.from((async function* () { yield* []; throw new Error('connection reset'); })()) });
    await expect(collect(read(broken, chunkOf({ key: 'in.csv.gz', gzip: true, size: 30 })))).rejects.toThrow(/connection reset/);
    await store.write('empty.csv.gz', '');
    expect(await collect(read(store, chunkOf({ key: 'empty.csv.gz', gzip: true, size: 0 })))).toEqual([]);
  });

  it('rejects a row whose bytes are not UTF-8, keeps U+FFFD written as UTF-8, and refuses a header that is not UTF-8, in any chunk', async () => {
    const store = await make();
    const latin1 = Buffer.concat([Buffer.from('id,x\n\u{FFFD}p,1\n'), Buffer.from([0xe9]), Buffer.from('p,2\nq,3\n')]);
    await store.write('latin1.csv', latin1);
    const rows = await collect(read(store, chunkOf({ key: 'latin1.csv' })));
    expect(rows.map((r) => r.values?.id ?? r.error)).toEqual(['\u{FFFD}p', 'not UTF-8 text: save the file as UTF-8', 'q']);
    expect(rows[1]).toMatchObject({ line: 3, raw: '\u{FFFD}p,2' });
    await store.write('header.csv', Buffer.concat([Buffer.from('id,'), Buffer.from([0xe9]), Buffer.from('\na,1\nb,2\n')]));
    for (const c of [chunkOf({ key: 'header.csv' }), ...rangeChunks('header.csv', 13, 8)]) {
      await expect(collect(read(store, c))).rejects.toThrow(/header\.csv: the header line is not UTF-8 text: save the file as UTF-8$/);
    }
  });

  it('refuses a header that names a column twice', async () => {
    const store = await make();
    await store.write('dup.csv', 'a,b,a\n1,2,3\n');
    await expect(collect(read(store, chunkOf({ key: 'dup.csv' })))).rejects.toThrow(/names column "a" twice/);
  });

  it('fails an object whose header lacks a required column, from any chunk that owns a row, naming what needs it', async () => {
    const store = await make();
    await store.write('narrow.csv', 'id,x\n1,2\n3,4\n5,6\n');
    const required = new Map([['x', 'needed by the model'], ['y', 'needed by the model'], ['key', 'the id column']]);
    const message = `${store.uri('narrow.csv')}: the CSV header has no column "y" (needed by the model) nor "key" (the id column); its columns are "id", "x"`;
    for (const c of [chunkOf({ key: 'narrow.csv' }), ...rangeChunks('narrow.csv', 17, 6)]) {
      await expect(collect(read(store, c, { needed: ['x', 'y', 'key'], required }))).rejects.toMatchObject({ name: 'BadInput', message });
    }
    expect(await collect(read(store, chunkOf({ key: 'narrow.csv' }), { needed: ['x'], required: new Map([['x', 'needed by the model']]) }))).toHaveLength(3);
  });

  it('lets a header repeat a column that is not needed (trailing commas repeat the empty name), not a needed one', async () => {
    const store = await make();
    await store.write('trailing.csv', 'a,b,,\n1,2,,\n');
    expect((await collect(read(store, chunkOf({ key: 'trailing.csv' }), { needed: ['a', 'b'] }))).map((r) => [r.values!.a, r.values!.b])).toEqual([['1', '2']]);
    for (const c of rangeChunks('trailing.csv', 12, 6)) await expect(collect(read(store, c, { needed: ['a', ''] }))).rejects.toThrow(/names column "" twice/);
  });
}));
