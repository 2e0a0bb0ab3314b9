import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readLines, type Line } from '../../../../../functions/core/batch/formats/lines.ts';
import type { ObjectStore } from '../../../../../functions/core/storage/object-store.ts';
import { STORES } from '../../storage/stores.ts';
import { forwarding } from '../../../../support/batch-job.ts';

async function chunkLines(store: ObjectStore, key: string, size: number, chunkBytes: number): Promise<Line[][]> {
  const chunks: Line[][] = [];
  for (let start = 0; start < size; start += chunkBytes) {
    const lines: Line[] = [];
    for await (const batch of readLines(store, { key, gzip: false, range: { start, end: Math.min(start + chunkBytes, size) } }, 7)) lines.push(...batch);
    chunks.push(lines);
  }
  return chunks;
}

/** The reference: the file's non-blank lines (without endings) and the byte offset each starts at. */
function expectedLines(body: Buffer): { text: string; offset: number }[] {
  const out: { text: string; offset: number }[] = [];
  let offset = 0;
  for (const raw of body.toString('utf8').split('\n')) {
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (text.trim() !== '') out.push({ text, offset });
    offset += Buffer.byteLength(raw) + 1;
  }
  return out;
}

/** Lines as generated: short and long, blank and whitespace-only, multi-byte characters, LF or CRLF. */
const line = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: fc.constantFrom('a', 'b', ',', '1', '.', '"', ' ', 'é', '€', '😀'), maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', '\t', '  \t ') },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom('x', 'y', ','), minLength: 100, maxLength: 400 }) },
);
const file = fc.record({
  lines: fc.array(fc.tuple(line, fc.constantFrom('\n', '\r\n')), { maxLength: 60 }),
  finalNewline: fc.boolean(),
});
const render = ({ lines, finalNewline }: { lines: [string, string][]; finalNewline: boolean }) => {
  const text = lines.map(([l, eol], i) => (i < lines.length - 1 || finalNewline ? l + eol : l)).join('');
  return Buffer.from(text);
};

describe.each(STORES)('readLines over $name', ({ make }) => {
  it('gives every line to exactly one chunk, whatever the chunk size: none lost, none twice, exact offsets', async () => {
    const store = await make();
    let n = 0;
    await fc.assert(
      fc.asyncProperty(file, fc.integer({ min: 1, max: 300 }), async (f, chunkBytes) => {
        const body = render(f);
        const key = `prop/${n++}.txt`;
        await store.write(key, body);
        const chunks = await chunkLines(store, key, body.length, chunkBytes);
        const got = chunks.flat().map(({ text, offset }) => ({ text, offset }));
        expect(got).toEqual(expectedLines(body));
        // Ownership, stated directly: each line starts inside the range of the chunk that read it.
        chunks.forEach((lines, c) => lines.forEach((l) => expect(Math.floor(l.offset / chunkBytes)).toBe(c)));
      }),
      { numRuns: 60 },
    );
  });

  it('a line starting exactly at a chunk start belongs to that chunk; one ending exactly at the end is complete', async () => {
    const store = await make();
    await store.write('exact.csv', 'aaaa\nbbbb\ncccc\n');
    const chunks = await chunkLines(store, 'exact.csv', 15, 5);
    expect(chunks.map((c) => c.map((l) => l.text))).toEqual([['aaaa'], ['bbbb'], ['cccc']]);
  });

  it('keeps reading past the range end for a line much longer than the chunk', async () => {
    const store = await make();
    const long = 'x'.repeat(300_000);
    await store.write('long.csv', `h\n${long}\nshort\n`);
    const chunks = await chunkLines(store, 'long.csv', long.length + 9, 1000);
    expect(chunks[0]!.map((l) => l.text.length)).toEqual([1, 300_000]);
    expect(chunks.flat().map((l) => l.text)).toEqual(['h', long, 'short']);
  });

  it('reads a chunk with one request when its last line ends near its end, and a line of 300 KB past it with three', async () => {
    const inner = await make();
    const ranges: string[] = [];
    const store = forwarding(inner, { read: (key, range, etag) => (ranges.push(`${range?.start}-${range?.end}`), inner.read(key, range, etag)) });
    const long = 'x'.repeat(300_000);
    await inner.write('t.csv', `${'a,b\n'.repeat(1000)}${long}\nshort\n`);
    const read = async (start: number, end: number) => {
      ranges.length = 0;
      const lines: Line[] = [];
      for await (const batch of readLines(store, { key: 't.csv', gzip: false, range: { start, end } })) lines.push(...batch);
      return lines.map((l) => l.text.length);
    };
    expect(await read(1000, 2001)).toEqual(Array(251).fill(3));
    expect(ranges).toEqual([`999-${2001 + 64 * 1024}`]);
    expect(await read(3000, 4001)).toEqual([...Array(250).fill(3), 300_000]);
    expect(ranges).toEqual([`2999-${4001 + 64 * 1024}`, `${4001 + 64 * 1024}-${4001 + 192 * 1024}`, `${4001 + 192 * 1024}-${4001 + 448 * 1024}`]);
  });

  it('numbers lines from 1 at byte 0, and further in among the lines the chunk owns, counting them', async () => {
    const store = await make();
    await store.write('n.csv', 'h\n\na\nb\nc\n');
    const counted = { count: 0 };
    const all: Line[] = [];
    for await (const b of readLines(store, { key: 'n.csv', gzip: false, range: { start: 0, end: 4 } }, 7, counted)) all.push(...b);
    expect(all).toEqual([
      { text: 'h', offset: 0, line: 1 },
      { text: 'a', offset: 3, line: 3 },
    ]);
    expect(counted.count).toBe(3);
    // Byte 4 is the '\n' ending line 3: the first line the chunk owns is line 4, its first.
    const mid: Line[] = [];
    for await (const b of readLines(store, { key: 'n.csv', gzip: false, range: { start: 4, end: 9 } })) mid.push(...b);
    expect(mid.map((l) => l.chunkLine)).toEqual([1, 2]);
    // Blank lines are owned and counted too.
    const owned = { count: 0 };
    const unknown: Line[] = [];
    for await (const b of readLines(store, { key: 'n.csv', gzip: false, range: { start: 1, end: 9 } }, 7, owned)) unknown.push(...b);
    expect(unknown).toEqual([
      { text: 'a', offset: 3, chunkLine: 2 },
      { text: 'b', offset: 5, chunkLine: 3 },
      { text: 'c', offset: 7, chunkLine: 4 },
    ]);
    expect(owned.count).toBe(4);
  });

  it('drops a UTF-8 byte-order mark at offset 0', async () => {
    const store = await make();
    await store.write('bom.csv', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('a,b\n1,2\n')]));
    const lines: Line[] = [];
    for await (const b of readLines(store, { key: 'bom.csv', gzip: false })) lines.push(...b);
    expect(lines.map((l) => l.text)).toEqual(['a,b', '1,2']);
  });
});
