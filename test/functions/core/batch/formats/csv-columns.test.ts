import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readCsvColumns } from '../../../../../functions/core/batch/formats/csv-columns.ts';
import { readCsv } from '../../../../../functions/core/batch/formats/csv-reader.ts';
import { type ColumnBatch, columnRow, type SourceRow } from '../../../../../functions/core/batch/formats/source-row.ts';
import { LocalStore } from '../../../../../functions/core/storage/local-store.ts';
import { chunkOf, collect, rangeChunks } from './rows.ts';

/** A plain decimal as a CSV writer spells one, with 15 digits at most: what the reader takes as a number. */
const PLAIN = /^-?(?:\d+\.?\d*|\.\d+)$/;
const isPlain = (text: string) => PLAIN.test(text) && text.replace(/\D/g, '').length <= 15;

/** A field of every kind a numeric column meets: plain decimals, and text a reader must leave as it is. */
const field = fc.oneof(
  { weight: 6, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }).map((x) => String(x)) },
  { weight: 4, arbitrary: fc.tuple(fc.integer({ min: -99999, max: 99999 }), fc.nat({ max: 999999 }), fc.nat({ max: 6 })).map(([i, f, d]) => `${i}.${String(f).padStart(6, '0').slice(0, d)}`) },
  { weight: 2, arbitrary: fc.stringMatching(/^-?\d{0,18}\.?\d{0,18}$/) },
  {
    weight: 3,
    arbitrary: fc.constantFrom('', ' ', ' 1.5', '1.5 ', '+1', '1e5', '-1E-3', '0x10', 'Infinity', 'NaN', '-', '.', '-.', '1.2.3', '--1', '1-', 'abc', 'é', '"quoted, comma"', '"a""b"', '12345678901234567', '0.000000000000001', '-0', '007'),
  },
);

/** A line of `width` fields, sometimes one field short or long, sometimes ended by one CR or two. */
const line = (width: number) =>
  fc.tuple(fc.array(field, { minLength: width, maxLength: width }), fc.constantFrom(0, 0, 0, 0, -1, 1), fc.constantFrom('', '', '\r', '\r\r')).map(([fields, skew, cr]) => {
    const cut = skew < 0 ? fields.slice(1) : skew > 0 ? [...fields, '1'] : fields;
    return `${cut.join(',')}${cr}`;
  });

const csv = fc.integer({ min: 1, max: 5 }).chain((width) =>
  fc.record({
    width: fc.constant(width),
    lines: fc.array(fc.oneof({ weight: 12, arbitrary: line(width) }, { weight: 1, arbitrary: fc.constantFrom('', '   ', 'a,"unclosed') }), { maxLength: 40 }),
    chunkBytes: fc.integer({ min: 8, max: 400 }),
  }),
);

const rowsOfColumns = async (batches: AsyncIterable<ColumnBatch>): Promise<SourceRow[]> => {
  const rows: SourceRow[] = [];
  for await (const batch of batches) for (let i = 0; i < batch.rows; i++) rows.push(columnRow(batch, i));
  return rows;
};

describe('readCsvColumns', () => {
  it('gives the rows readCsv gives, with the plain decimals of numeric columns as the numbers Number reads, in one chunk or many', async () => {
    const store = new LocalStore(await mkdtemp(join(tmpdir(), 'csv-columns-')));
    let n = 0;
    await fc.assert(
      fc.asyncProperty(csv, async ({ width, lines, chunkBytes }) => {
        const names = Array.from({ length: width }, (_, i) => `c${i}`);
        const numeric = names.filter((_, i) => i % 2 === 0);
        const body = `${names.join(',')}\n${lines.join('\n')}\n`;
        const key = `in-${n++}.csv`;
        await store.write(key, body);
        const size = Buffer.byteLength(body);
        for (const chunks of [[chunkOf({ key })], rangeChunks(key, size, chunkBytes)]) {
          const expected: SourceRow[] = [];
          const actual: SourceRow[] = [];
          for (const chunk of chunks) {
            expected.push(...(await collect(readCsv(store, chunk))));
            actual.push(...(await rowsOfColumns(readCsvColumns(store, chunk, { numeric }))));
          }
          const typed = expected.map((row) =>
            row.values ? { ...row, values: Object.fromEntries(Object.entries(row.values).map(([k, v]) => [k, numeric.includes(k) && isPlain(v as string) ? Number(v) : v])) } : row,
          );
          expect(actual).toEqual(typed);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('reads rows in batches of columns: a Float64Array for a numeric column of plain decimals, text where a field is not one', async () => {
    const store = new LocalStore(await mkdtemp(join(tmpdir(), 'csv-columns-')));
    const body = `id,x,y\n${Array.from({ length: 2500 }, (_, i) => `r${i},${i / 4},${i === 1500 ? 'n/a' : -i}`).join('\n')}\n`;
    await store.write('in.csv', body);
    const batches: ColumnBatch[] = [];
    for await (const batch of readCsvColumns(store, chunkOf({ key: 'in.csv' }), { needed: ['x', 'y', 'id'], numeric: ['x', 'y'] })) batches.push(batch);
    expect(batches.map((b) => b.rows)).toEqual([1000, 1000, 500]);
    expect(batches.map((b) => [...b.columns.keys()])).toEqual([['id', 'x', 'y'], ['id', 'x', 'y'], ['id', 'x', 'y']]);
    expect(batches.map((b) => b.columns.get('y') instanceof Float64Array)).toEqual([true, false, true]);
    expect(batches[1]!.columns.get('y')![500]).toBe('n/a');
    expect(batches[1]!.columns.get('y')![499]).toBe(-1499);
    expect(batches[2]!.columns.get('x')![499]).toBe(2499 / 4);
    expect(batches[2]!.columns.get('id')![499]).toBe('r2499');
    expect(columnRow(batches[0]!, 3)).toEqual({ line: 5, offset: body.indexOf('r3,'), raw: 'r3,0.75,-3', values: { id: 'r3', x: 0.75, y: -3 } });
  });
});
