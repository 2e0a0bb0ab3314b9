import * as arrow from 'apache-arrow';
import * as rs from 'parquet-wasm/node';
import { describe, expect, it } from 'vitest';
import { createPartWriter, type PartColumn } from '../../../../../functions/core/batch/formats/part-writer.ts';
import { readChunk } from '../../../../../functions/core/batch/formats/read-chunk.ts';
import { planChunks } from '../../../../../functions/core/batch/plan-chunks.ts';
import { parquetMetadata } from 'hyparquet';
import { STORES } from '../../storage/stores.ts';
import { collect } from './rows.ts';

/**
 * The Parquet this project writes and reads, against Apache Arrow's Rust implementation (arrow-rs,
 * compiled to WebAssembly as parquet-wasm): the reader behind pyarrow-like tools on one side, the
 * writer of data pages v1 and v2, dictionary fallbacks and many pages per column on the other.
 */

/** A fresh local store: arrow-rs reads bytes, so one kind of store is enough here. */
const store = () => STORES[0]!.make();

/** Rows of an arrow-rs read as plain objects (int64 as BigInt, as hyparquet gives it). */
const readWithArrowRs = (bytes: Uint8Array) => arrow.tableFromIPC(rs.readParquet(bytes).intoIPCStream());

describe('Parquet parts, read by Apache Arrow (arrow-rs)', () => {
  it('have the types, nullability and values written, float32 scores bit for bit, across row groups', async () => {
    const s = await store();
    const columns: PartColumn[] = [
      { name: 'id', type: 'string' },
      { name: 'label', type: 'string', required: true },
      { name: 'probability', type: 'float', required: true },
      { name: 'rank', type: 'int' },
      { name: 'value', type: 'double', required: true },
      { name: 'model_version', type: 'string', required: true },
    ];
    const n = 70_000;
    const values = [
      Array.from({ length: n }, (_, i) => (i % 5 ? `r${i}` : null)),
      Array.from({ length: n }, (_, i) => (i % 2 ? 'benign' : 'malignant')),
      Float32Array.from({ length: n }, (_, i) => i / n),
      Array.from({ length: n }, (_, i) => (i % 3 ? i : null)),
      Float64Array.from({ length: n }, (_, i) => i / 3),
      new Array<string>(n).fill('1.0.0'),
    ];
    const writer = createPartWriter('parquet', columns, s.upload('part.parquet'));
    await writer.write({ rows: n, values });
    await writer.end();
    const table = readWithArrowRs(await s.readBytes('part.parquet'));
    expect(table.schema.fields.map((f) => [f.name, String(f.type), f.nullable])).toEqual([
      ['id', 'Utf8', true],
      ['label', 'Utf8', false],
      ['probability', 'Float32', false],
      ['rank', 'Int64', true],
      ['value', 'Float64', false],
      ['model_version', 'Utf8', false],
    ]);
    expect(table.numRows).toBe(n);
    const read = columns.map((c) => table.getChild(c.name)!.toArray() as ArrayLike<unknown>);
    // Nullable columns come back as arrays with nulls; compare value by value.
    const column = (i: number) => Array.from({ length: n }, (_, r) => (table.getChild(columns[i]!.name)!.get(r) as unknown) ?? null);
    expect(column(0)).toEqual(values[0]);
    expect(column(1)).toEqual(values[1]);
    expect(read[2]).toEqual(values[2]);
    expect(column(3)).toEqual((values[3] as (number | null)[]).map((v) => (v === null ? null : BigInt(v))));
    expect(read[4]).toEqual(values[4]);
    expect(column(5)).toEqual(values[5]);
  });
});

describe('Parquet parts without rows, read by Apache Arrow (arrow-rs)', () => {
  it('are files with the schema and no rows (a chunk that scored no row must not break reading the output folder)', async () => {
    const s = await store();
    const writer = createPartWriter('parquet', [{ name: 'label', type: 'string', required: true }, { name: 'probability', type: 'float', required: true }], s.upload('empty.parquet'));
    await writer.end();
    const table = readWithArrowRs(await s.readBytes('empty.parquet'));
    expect(table.numRows).toBe(0);
    expect(table.schema.fields.map((f) => [f.name, String(f.type)])).toEqual([
      ['label', 'Utf8'],
      ['probability', 'Float32'],
    ]);
  });
});

describe.each([
  // Past a dictionary's limit arrow-rs goes on in PLAIN pages with v1; with v2, strings and integers go on in DELTA encodings.
  { version: 'v1', writer: rs.WriterVersion.V1, page: 'DATA_PAGE', fallbacks: { x: 'PLAIN', id: 'PLAIN', n: 'PLAIN' } },
  { version: 'v2', writer: rs.WriterVersion.V2, page: 'DATA_PAGE_V2', fallbacks: { x: 'PLAIN', id: 'DELTA_BYTE_ARRAY', n: 'DELTA_BINARY_PACKED' } },
])('Parquet written by Apache Arrow (arrow-rs, data pages $version), read by readChunk', ({ writer, page, fallbacks }) => {
  it('gives every value of every row group, over small pages, dictionary pages that fall back to plain or delta ones, and nulls', async () => {
    const n = 10_000;
    const source = new arrow.Table({
      // 40 distinct values: dictionary-encoded.
      'mean radius': arrow.makeVector(Float64Array.from({ length: n }, (_, i) => (i % 40) + 0.25)),
      // All distinct: the dictionary outgrows its limit and the column goes on in plain pages.
      x: arrow.makeVector(Float32Array.from({ length: n }, (_, i) => i / 7)),
      id: arrow.vectorFromArray(Array.from({ length: n }, (_, i) => `p${i}`), new arrow.Utf8()),
      n: arrow.vectorFromArray(Array.from({ length: n }, (_, i) => (i % 4 ? BigInt(i) : null)), new arrow.Int64()),
    });
    const props = new rs.WriterPropertiesBuilder()
      .setWriterVersion(writer)
      .setCompression(rs.Compression.SNAPPY)
      .setMaxRowGroupSize(3_000)
      .setDataPageSizeLimit(2_048)
      .setDictionaryPageSizeLimit(4_096)
      .build();
    const bytes = rs.writeParquet(rs.Table.fromIPCStream(arrow.tableToIPC(source, 'stream')), props);
    // The file holds what the title says: per column, its page kinds and encodings in the first row group.
    const { row_groups } = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    const encodings = Object.fromEntries(row_groups[0]!.columns.map((c) => [c.meta_data!.path_in_schema[0], [...new Set(c.meta_data!.encoding_stats!.map((e) => `${e.page_type} ${e.encoding}`))].sort()]));
    const dictionary = [`${page} RLE_DICTIONARY`, 'DICTIONARY_PAGE PLAIN'];
    expect(encodings).toEqual({
      'mean radius': dictionary,
      ...Object.fromEntries(Object.entries(fallbacks).map(([column, fallback]) => [column, [...dictionary, `${page} ${fallback}`].sort()])),
    });
    const s = await store();
    await s.write('rs.parquet', bytes);
    const chunks = await planChunks(s, await s.list('rs.parquet'), 1);
    expect(chunks.length).toBe(4); // one per row group at the smallest chunk size
    const rows = [];
    for (const chunk of chunks) rows.push(...(await collect(readChunk(s, chunk))));
    expect(rows).toHaveLength(n);
    expect(rows.map((r) => r.row)).toEqual(Array.from({ length: n }, (_, i) => i));
    const mismatched = rows.filter((r, i) => {
      const v = r.values!;
      return v['mean radius'] !== (i % 40) + 0.25 || v.x !== Math.fround(i / 7) || v.id !== `p${i}` || (v.n ?? null) !== (i % 4 ? BigInt(i) : null);
    });
    expect(mismatched.slice(0, 3)).toEqual([]);
  });
});

describe.each(['GZIP', 'BROTLI', 'ZSTD', 'LZ4_RAW'] as const)('Parquet compressed with %s (arrow-rs), read by readChunk', (codec) => {
  it(codec === 'LZ4_RAW' ? 'fails as a bad input, naming the codec' : 'gives every value, as with Snappy', async () => {
    const n = 5_000;
    const source = new arrow.Table({
      'mean radius': arrow.makeVector(Float64Array.from({ length: n }, (_, i) => Math.sin(i) * 10)),
      id: arrow.vectorFromArray(Array.from({ length: n }, (_, i) => (i % 9 ? `p${i}` : null)), new arrow.Utf8()),
    });
    const props = new rs.WriterPropertiesBuilder().setCompression(rs.Compression[codec]).setMaxRowGroupSize(2_000).build();
    const bytes = rs.writeParquet(rs.Table.fromIPCStream(arrow.tableToIPC(source, 'stream')), props);
    const { row_groups } = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    expect(new Set(row_groups.flatMap((g) => g.columns.map((c) => c.meta_data!.codec)))).toEqual(new Set([codec]));
    const s = await store();
    await s.write('codec.parquet', bytes);
    const rows: Awaited<ReturnType<typeof collect>> = [];
    const read = async () => {
      for (const chunk of await planChunks(s, await s.list('codec.parquet'), 1)) rows.push(...(await collect(readChunk(s, chunk))));
    };
    if (codec === 'LZ4_RAW') {
      // Its decoder pads a short page with zeros, which no length check could catch: not read.
      await expect(read()).rejects.toMatchObject({ name: 'BadInput', message: expect.stringContaining('is compressed with LZ4_RAW, which is not read: write the file with SNAPPY, GZIP, BROTLI, ZSTD or no compression') });
      return;
    }
    await read();
    expect(rows.map((r) => r.values)).toEqual(Array.from({ length: n }, (_, i) => ({ 'mean radius': Math.sin(i) * 10, id: i % 9 ? `p${i}` : null })));
  });
});
