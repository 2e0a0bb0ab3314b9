import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ObjectChanged } from '../../../../functions/core/storage/object-store.ts';
import { readAll, remove, STORES, text } from './stores.ts';

/** The ObjectStore contract, held by every implementation alike. */
describe.each(STORES)('ObjectStore contract: $name', ({ make }) => {
  it('writes an object and reads it back whole, as a stream and as bytes', async () => {
    const store = await make();
    await store.write('a/b/c.txt', 'hello, world');
    expect(text(await store.readBytes('a/b/c.txt'))).toBe('hello, world');
    expect((await readAll(await store.read('a/b/c.txt'))).toString()).toBe('hello, world');
    expect(await store.head('a/b/c.txt')).toMatchObject({ key: 'a/b/c.txt', size: 12 });
  });

  it('gives a replaced object another etag, even when it has the same size, and the same one while it is unchanged', async () => {
    const store = await make();
    await store.write('e.csv', 'a,b\n1,2\n');
    const [listed] = await store.list('e.csv');
    expect(listed!.etag).toEqual(expect.any(String));
    expect((await store.head('e.csv'))!.etag).toBe(listed!.etag);
    await store.write('e.csv', 'a,b\n1,3\n');
    const [replaced] = await store.list('e.csv');
    expect(replaced).toMatchObject({ key: 'e.csv', size: listed!.size });
    expect(replaced!.etag).not.toBe(listed!.etag);
  });

  it('reads byte ranges [start, end), and a range past the end yields what exists', async () => {
    const store = await make();
    await store.write('r.txt', '0123456789');
    expect(text(await store.readBytes('r.txt', { start: 2, end: 5 }))).toBe('234');
    expect((await readAll(await store.read('r.txt', { start: 7, end: 10 }))).toString()).toBe('789');
    expect((await readAll(await store.read('r.txt', { start: 8, end: 20 }))).toString()).toBe('89');
    expect((await readAll(await store.read('r.txt', { start: 10, end: 20 }))).toString()).toBe('');
    expect(text(await store.readBytes('r.txt', { start: 12, end: 20 }))).toBe('');
    expect(text(await store.readBytes('r.txt', { start: 3, end: 3 }))).toBe('');
  });

  it('reads a version named by its etag, and fails with ObjectChanged once it is replaced (even by the same size) or removed', async () => {
    const store = await make();
    await store.write('v.csv', 'a,b\n1,2\n');
    const etag = (await store.head('v.csv'))!.etag!;
    expect(text(await store.readBytes('v.csv', { start: 4, end: 7 }, etag))).toBe('1,2');
    expect((await readAll(await store.read('v.csv', undefined, etag))).toString()).toBe('a,b\n1,2\n');
    expect((await readAll(await store.read('v.csv', { start: 20, end: 30 }, etag))).toString()).toBe('');
    await store.write('v.csv', 'a,b\n1,3\n');
    const replaced = { name: 'ObjectChanged', removed: false, message: `${store.uri('v.csv')} was replaced since it was listed` };
    await expect(store.readBytes('v.csv', { start: 0, end: 3 }, etag)).rejects.toMatchObject(replaced);
    await expect(store.read('v.csv', undefined, etag)).rejects.toMatchObject(replaced);
    const now = (await store.head('v.csv'))!.etag!;
    await store.write('other', 'x');
    expect(text(await store.readBytes('v.csv', undefined, now))).toBe('a,b\n1,3\n');
    await store.write('w.csv', 'gone soon');
    const gone = (await store.head('w.csv'))!.etag!;
    await remove(store, 'w.csv');
    await expect(store.read('w.csv', { start: 0, end: 4 }, gone)).rejects.toMatchObject({ name: 'ObjectChanged', removed: true });
    await expect(store.readBytes('w.csv', undefined, gone)).rejects.toBeInstanceOf(ObjectChanged);
  });

  it('readIfPresent gives the object whole, or undefined when there is none', async () => {
    const store = await make();
    await store.write('p/q.json', '{"a":1}');
    expect(text((await store.readIfPresent('p/q.json'))!)).toBe('{"a":1}');
    expect(await store.readIfPresent('p/none.json')).toBeUndefined();
    expect(await store.readIfPresent('p')).toBeUndefined();
  });

  it('head is undefined and reads fail for a missing object', async () => {
    const store = await make();
    expect(await store.head('nope')).toBeUndefined();
    await expect(store.readBytes('nope')).rejects.toThrow();
    await expect(store.read('nope')).rejects.toThrow();
  });

  it('write replaces an existing object', async () => {
    const store = await make();
    await store.write('k', 'first');
    await store.write('k', new TextEncoder().encode('second'));
    expect(text(await store.readBytes('k'))).toBe('second');
  });

  it('writeIfAbsent writes once: a second write returns false and keeps the first body', async () => {
    const store = await make();
    expect(await store.writeIfAbsent('_chunks/part-00000.json', '{"first":true}')).toBe(true);
    expect(await store.writeIfAbsent('_chunks/part-00000.json', '{"first":false}')).toBe(false);
    expect(text(await store.readBytes('_chunks/part-00000.json'))).toBe('{"first":true}');
  });

  it('of racing writeIfAbsent calls exactly one wins, and the object is the winner\'s', async () => {
    const store = await make();
    const bodies = Array.from({ length: 8 }, (_, i) => `writer ${i}`);
    const won = await Promise.all(bodies.map((b) => store.writeIfAbsent('race', b)));
    expect(won.filter(Boolean)).toHaveLength(1);
    expect(text(await store.readBytes('race'))).toBe(bodies[won.indexOf(true)]);
  });

  it('lists every object under a prefix recursively, sorted by key, with sizes', async () => {
    const store = await make();
    for (const key of ['in/b.csv', 'in/a.csv', 'in/sub/c.csv', 'input.csv', 'other/d.csv']) await store.write(key, key);
    expect(await store.list('in')).toMatchObject([
      { key: 'in/a.csv', size: 8 },
      { key: 'in/b.csv', size: 8 },
      { key: 'in/sub/c.csv', size: 12 },
    ]);
    expect((await store.list('in/')).map((o) => o.key)).toEqual(['in/a.csv', 'in/b.csv', 'in/sub/c.csv']);
    expect(await store.list('input.csv')).toMatchObject([{ key: 'input.csv', size: 9 }]);
    expect(await store.list('missing')).toEqual([]);
  });

  it('uploads a multi-MB stream; the object appears only once done resolves', async () => {
    const store = await make();
    const { stream, done } = store.upload('out/big.bin');
    const block = randomBytes(1024 * 1024);
    const expected: Buffer[] = [];
    for (let i = 0; i < 12; i++) {
      const part = Buffer.from(block.map((b) => b ^ i));
      expected.push(part);
      if (!stream.write(part)) await new Promise((r) => stream.once('drain', r));
    }
    expect(await store.head('out/big.bin')).toBeUndefined();
    stream.end();
    await done;
    const body = await store.readBytes('out/big.bin');
    expect(body.length).toBe(12 * 1024 * 1024);
    expect(Buffer.from(body).equals(Buffer.concat(expected))).toBe(true);
  });

  it('uploads an empty stream as an empty object', async () => {
    const store = await make();
    const { stream, done } = store.upload('empty.jsonl');
    stream.end();
    await done;
    expect(await store.head('empty.jsonl')).toMatchObject({ key: 'empty.jsonl', size: 0 });
  });

  it('an upload destroyed by its writer fails done and leaves no object', async () => {
    const store = await make();
    const { stream, done } = store.upload('broken.csv');
    stream.write('partial');
    stream.destroy(new Error('worker died'));
    await expect(done).rejects.toThrow();
    expect(await store.head('broken.csv')).toBeUndefined();
    expect(await store.list('')).toEqual([]);
  });
});
