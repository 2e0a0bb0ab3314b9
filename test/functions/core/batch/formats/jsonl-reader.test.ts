import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readJsonl } from '../../../../../functions/core/batch/formats/jsonl-reader.ts';
import { STORES } from '../../storage/stores.ts';
import { chunkOf, collect, rangeChunks } from './rows.ts';

const BODY = ['{"id":"a","x":1.5}', '{"id":"b","x":', '[1,2]', '42', '', '{"id":"c","x":null}'].join('\r\n');

describe.each(STORES)('readJsonl over $name', ({ make }) => {
  it('parses one object per line; invalid JSON and non-objects are rows with errors', async () => {
    const store = await make();
    await store.write('in.jsonl', BODY);
    const rows = await collect(readJsonl(store, chunkOf({ key: 'in.jsonl', format: 'jsonl' })));
    expect(rows).toEqual([
      { line: 1, offset: 0, raw: '{"id":"a","x":1.5}', values: { id: 'a', x: 1.5 } },
      { line: 2, offset: 20, raw: '{"id":"b","x":', error: expect.stringMatching(/^invalid JSON: /) },
      { line: 3, offset: 36, raw: '[1,2]', error: 'not a JSON object (got an array)' },
      { line: 4, offset: 43, raw: '42', error: 'not a JSON object (got a number)' },
      { line: 6, offset: 49, raw: '{"id":"c","x":null}', values: { id: 'c', x: null } },
    ]);
  });

  it('fails a pretty-printed JSON document as a bad input, rather than reject each of its lines', async () => {
    const store = await make();
    await store.write('doc.jsonl', `\n${JSON.stringify([{ id: 'a', x: 1 }, { id: 'b', x: 2 }], null, 2)}\n`);
    await store.write('obj.jsonl.gz', gzipSync(JSON.stringify({ id: 'a', x: 1 }, null, 2)));
    for (const chunk of [chunkOf({ key: 'doc.jsonl', format: 'jsonl' }), chunkOf({ key: 'obj.jsonl.gz', format: 'jsonl', gzip: true })]) {
      await expect(collect(readJsonl(store, chunk))).rejects.toMatchObject({ name: 'BadInput', message: `${store.uri(chunk.key)}: a JSON document, not JSON Lines: write one JSON object per line` });
    }
    // Past its first line a bracket alone is one row's problem.
    await store.write('late.jsonl', '{"id":"a"}\n[\n');
    expect((await collect(readJsonl(store, chunkOf({ key: 'late.jsonl', format: 'jsonl' })))).map((r) => r.error)).toEqual([undefined, expect.stringMatching(/^invalid JSON/)]);
  });

  it('gives the same rows split into byte ranges as read whole', async () => {
    const store = await make();
    const body = Array.from({ length: 300 }, (_, i) => JSON.stringify({ id: `r${i}`, x: i / 7, note: 'é'.repeat(i % 5) })).join('\n');
    await store.write('split.jsonl', body);
    const whole = await collect(readJsonl(store, chunkOf({ key: 'split.jsonl', format: 'jsonl' })));
    const split = (await Promise.all(rangeChunks('split.jsonl', Buffer.byteLength(body), 333, 'jsonl').map((c) => collect(readJsonl(store, c))))).flat();
    expect(split.map((r) => r.values)).toEqual(whole.map((r) => r.values));
    expect(split.map((r) => r.offset)).toEqual(whole.map((r) => r.offset));
    expect(whole).toHaveLength(300);
  });

  it('reads gzip objects whole, with line numbers', async () => {
    const store = await make();
    await store.write('in.jsonl.gz', gzipSync(BODY));
    const rows = await collect(readJsonl(store, chunkOf({ key: 'in.jsonl.gz', format: 'jsonl', gzip: true })));
    expect(rows.map((r) => r.line)).toEqual([1, 2, 3, 4, 6]);
  });

  it('rejects a line whose bytes are not UTF-8, where a decoded id would have lost its character', async () => {
    const store = await make();
    await store.write('latin1.jsonl', Buffer.concat([Buffer.from('{"id":"'), Buffer.from([0xe9]), Buffer.from('"}\n{"id":"\u{e9}"}\n')]));
    const rows = await collect(readJsonl(store, chunkOf({ key: 'latin1.jsonl', format: 'jsonl' })));
    expect(rows.map((r) => r.values?.id ?? r.error)).toEqual(['not UTF-8 text: save the file as UTF-8', '\u{e9}']);
  });

  it('an empty object has no rows', async () => {
    const store = await make();
    await store.write('empty.jsonl', '');
    expect(await collect(readJsonl(store, chunkOf({ key: 'empty.jsonl', format: 'jsonl' })))).toEqual([]);
  });
});
