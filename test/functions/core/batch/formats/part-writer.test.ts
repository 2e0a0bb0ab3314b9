import { PassThrough } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { createPartWriter, type PartBlock, type PartColumn, withoutRows } from '../../../../../functions/core/batch/formats/part-writer.ts';
import { ROW_GROUP_ROWS } from '../../../../../functions/core/batch/formats/parquet-part-writer.ts';
import type { ObjectStore } from '../../../../../functions/core/storage/object-store.ts';
import { STORES } from '../../storage/stores.ts';

const COLUMNS: PartColumn[] = [
  { name: 'id', type: 'string' },
  { name: 'label', type: 'string' },
  { name: 'probability', type: 'double' },
  { name: 'rank', type: 'int' },
  { name: 'model_version', type: 'string' },
];
const ROWS: unknown[][] = [
  ['a-1', 'malignant', 0.9731, 1, '1.0.0'],
  ['b,"2"', 'benign', 1e-12, 2, '1.0.0'],
  [null, 'benign', null, null, '1.0.0'],
  ['é😀', 'line\nbreak', -0.5, 3, '1.0.0'],
];

/** Rows as a block of columns, as score-chunk hands them to a writer. */
const blockOf = (rows: readonly (readonly unknown[])[], width = rows[0]?.length ?? 0): PartBlock => ({
  rows: rows.length,
  values: Array.from({ length: width }, (_, c) => rows.map((r) => r[c])),
});

/** A label and a float32 score, required both: the columns of a scored part, cut to two. */
const SCORED: PartColumn[] = [
  { name: 'label', type: 'string', required: true },
  { name: 'score', type: 'float', required: true },
];

/** Writes the blocks as one part at `key` and returns its bytes. */
async function writeBlocks(store: ObjectStore, key: string, format: 'csv' | 'jsonl' | 'parquet', columns: readonly PartColumn[], blocks: Iterable<PartBlock>) {
  const writer = createPartWriter(format, columns, store.upload(key));
  for (const block of blocks) await writer.write(block);
  await writer.end();
  return Buffer.from(await store.readBytes(key));
}

/** Batches of rows of COLUMNS as one part. */
const writePart = (store: ObjectStore, key: string, format: 'csv' | 'jsonl' | 'parquet', batches: unknown[][][]) =>
  writeBlocks(store, key, format, COLUMNS, batches.map((rows) => blockOf(rows, COLUMNS.length)));

const toArrayBuffer = (b: Buffer) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;

/** A Parquet part's rows, read back with hyparquet. */
const readParquetPart = (body: Buffer, columns?: string[]) => parquetReadObjects({ file: toArrayBuffer(body), ...(columns && { columns }) });

describe.each(STORES)('createPartWriter over $name', ({ make }) => {
  it('CSV: a header row, then the rows in order; read back with csv-parse they are what was written', async () => {
    const store = await make();
    const body = await writePart(store, 'part.csv', 'csv', [ROWS.slice(0, 2), [], ROWS.slice(2)]);
    const records = parse(body, { columns: true }) as Record<string, string>[];
    expect(Object.keys(records[0]!)).toEqual(COLUMNS.map((c) => c.name));
    expect(records).toEqual(
      ROWS.map((r) => Object.fromEntries(COLUMNS.map((c, i) => [c.name, r[i] === null ? '' : String(r[i])]))),
    );
  });

  it('CSV: a part without rows is its header', async () => {
    const store = await make();
    expect((await writePart(store, 'empty.csv', 'csv', [])).toString()).toBe('id,label,probability,rank,model_version\n');
  });

  it('JSON Lines: one object per row with every column, missing values null', async () => {
    const store = await make();
    const body = await writePart(store, 'part.jsonl', 'jsonl', [ROWS, [['big', 'x', Number.NaN, 2n ** 60n, 'v']]]);
    const lines = body.toString().trimEnd().split('\n').map((l) => JSON.parse(l) as unknown);
    expect(lines).toEqual([
      ...ROWS.map((r) => Object.fromEntries(COLUMNS.map((c, i) => [c.name, r[i]]))),
      { id: 'big', label: 'x', probability: null, rank: '1152921504606846976', model_version: 'v' },
    ]);
  });

  it('Parquet: nullable typed columns; read back with hyparquet they are what was written', async () => {
    const store = await make();
    const body = await writePart(store, 'part.parquet', 'parquet', [ROWS.slice(0, 3), ROWS.slice(3)]);
    const rows = await readParquetPart(body);
    expect(rows).toEqual(ROWS.map((r) => Object.fromEntries(COLUMNS.map((c, i) => [c.name, c.type === 'int' && r[i] !== null ? BigInt(r[i] as number) : r[i]]))));
    const metadata = parquetMetadata(toArrayBuffer(body));
    expect(metadata.schema.slice(1).map((s) => [s.name, s.type, s.repetition_type])).toEqual([
      ['id', 'BYTE_ARRAY', 'OPTIONAL'],
      ['label', 'BYTE_ARRAY', 'OPTIONAL'],
      ['probability', 'DOUBLE', 'OPTIONAL'],
      ['rank', 'INT64', 'OPTIONAL'],
      ['model_version', 'BYTE_ARRAY', 'OPTIONAL'],
    ]);
  });

  it('Parquet: required columns are REQUIRED, more than a row group of them reads back, and a null in one is refused', async () => {
    const store = await make();
    const columns: PartColumn[] = [
      { name: 'id', type: 'string' },
      { name: 'probability', type: 'double', required: true },
      { name: 'model_version', type: 'string', required: true },
    ];
    const total = ROW_GROUP_ROWS + 5;
    const body = await writeBlocks(store, 'required.parquet', 'parquet', columns, [blockOf(Array.from({ length: total }, (_, i) => [i % 3 ? `r${i}` : null, i / total, '1.0.0']))]);
    expect(parquetMetadata(toArrayBuffer(body)).schema.slice(1).map((s) => [s.name, s.repetition_type])).toEqual([
      ['id', 'OPTIONAL'],
      ['probability', 'REQUIRED'],
      ['model_version', 'REQUIRED'],
    ]);
    const rows = await readParquetPart(body);
    expect(rows).toHaveLength(total);
    expect(rows.every((r, i) => r.id === (i % 3 ? `r${i}` : null) && r.probability === i / total && r.model_version === '1.0.0')).toBe(true);
    const sink = store.upload('refused.parquet');
    await expect(createPartWriter('parquet', columns, sink).write(blockOf([['a', null, '1.0.0']]))).rejects.toThrow('output column probability is required, got null');
    sink.stream.destroy();
    await sink.done.catch(() => undefined);
  });

  // Blocks of one row are what a worker with maxBatch 1 writes: 65,536 of them make one row group.
  it.each([1000, 1])('Parquet: one row group per 64k rows, in order, across many writes of %i rows', async (size) => {
    const store = await make();
    const total = ROW_GROUP_ROWS * 2 + 123;
    const batches: unknown[][][] = [];
    for (let from = 0; from < total; from += size) {
      batches.push(Array.from({ length: Math.min(size, total - from) }, (_, i) => [`r${from + i}`, 'l', (from + i) / 2, from + i, 'v']));
    }
    const body = await writePart(store, 'big.parquet', 'parquet', batches);
    const metadata = parquetMetadata(toArrayBuffer(body));
    expect(metadata.row_groups.map((g) => Number(g.num_rows))).toEqual([ROW_GROUP_ROWS, ROW_GROUP_ROWS, 123]);
    const rows = await readParquetPart(body, ['id', 'rank']);
    expect(rows).toHaveLength(total);
    expect(rows.every((r, i) => r.id === `r${i}` && r.rank === BigInt(i))).toBe(true);
  });

  it('float32 scores: text at the shortest decimal that reads back as the same float32, Parquet as FLOAT', async () => {
    const store = await make();
    const columns: PartColumn[] = [{ name: 'score', type: 'float', required: true }];
    const scores = Float32Array.from([0.1, 0.9876543283462524, 1e-7, 0.5, 12345.678]);
    const written = (format: 'csv' | 'jsonl' | 'parquet') => writeBlocks(store, `scores.${format}`, format, columns, [{ rows: scores.length, values: [scores] }]);
    expect((await written('csv')).toString()).toBe('score\n0.1\n0.9876543\n1e-7\n0.5\n12345.678\n');
    const jsonl = (await written('jsonl')).toString().trimEnd().split('\n').map((l) => (JSON.parse(l) as { score: number }).score);
    expect(jsonl).toEqual([0.1, 0.9876543, 1e-7, 0.5, 12345.678]);
    expect(jsonl.map(Math.fround)).toEqual([...scores]);
    // What JSON cannot hold is null in a float column too.
    const odd = await writeBlocks(store, 'odd.jsonl', 'jsonl', [{ name: 'score', type: 'float' }], [{ rows: 4, values: [[0.5, Number.NaN, Number.POSITIVE_INFINITY, null]] }]);
    expect(odd.toString().trimEnd().split('\n').map((l) => JSON.parse(l))).toEqual([{ score: 0.5 }, { score: null }, { score: null }, { score: null }]);
    const parquet = await written('parquet');
    expect(parquetMetadata(toArrayBuffer(parquet)).schema[1]).toMatchObject({ name: 'score', type: 'FLOAT', repetition_type: 'REQUIRED' });
    expect((await readParquetPart(parquet)).map((r) => r.score)).toEqual([...scores]);
  });

  it('Parquet: typed score blocks across a row group boundary, mixed with blocks that lost rows, read back in order', async () => {
    const store = await make();
    const size = 1000;
    const blocks: PartBlock[] = [];
    for (let n = 0; n < ROW_GROUP_ROWS + 3000; n += size) {
      const block = { rows: size, values: [Array.from({ length: size }, (_, i) => `l${(n + i) % 3}`), Float32Array.from({ length: size }, (_, i) => (n + i) / 1024)] };
      // Every third block lost its first row to a NaN answer: its score column is a plain array then.
      blocks.push((n / size) % 3 === 2 ? withoutRows(block, new Set([0])) : block);
    }
    const expected = blocks.flatMap((b) => Array.from({ length: b.rows }, (_, r) => [b.values[0]![r], b.values[1]![r]]));
    const body = await writeBlocks(store, 'mixed.parquet', 'parquet', SCORED, blocks);
    expect(parquetMetadata(toArrayBuffer(body)).row_groups.map((g) => Number(g.num_rows))).toEqual([ROW_GROUP_ROWS, expected.length - ROW_GROUP_ROWS]);
    expect((await readParquetPart(body)).map((r) => [r.label, r.score])).toEqual(expected);
  });

  it('Parquet: scores are one plain page of their own bytes, text a dictionary, and the nullable id keeps its statistics', async () => {
    const store = await make();
    const columns: PartColumn[] = [{ name: 'id', type: 'string' }, ...SCORED, { name: 'model_version', type: 'string', required: true }];
    const n = 3000;
    const scores = Float32Array.from({ length: n }, (_, i) => i / n);
    // Labels made afresh per row, twelve texts, more than the writer compares a row with: equal texts are one dictionary entry.
    const labels = Array.from({ length: n }, (_, i) => `class-${(i * 7) % 12}`);
    const block = { rows: n, values: [Array.from({ length: n }, (_, i) => `r${String(i).padStart(4, '0')}`), labels, scores, new Array<string>(n).fill('1.0.0')] };
    const body = await writeBlocks(store, 'encodings.parquet', 'parquet', columns, [block]);
    const [group] = parquetMetadata(toArrayBuffer(body)).row_groups;
    const meta = Object.fromEntries(group!.columns.map((c) => [c.meta_data!.path_in_schema[0], c.meta_data!]));
    expect(meta.score).toMatchObject({ encodings: ['PLAIN'], codec: 'UNCOMPRESSED', statistics: undefined, dictionary_page_offset: undefined });
    const page = Number(meta.score!.data_page_offset);
    const data = body.subarray(page + Number(meta.score!.total_compressed_size) - n * 4, page + Number(meta.score!.total_compressed_size));
    expect(new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength))).toEqual(scores);
    for (const text of ['label', 'model_version']) expect(meta[text]).toMatchObject({ encodings: ['PLAIN', 'RLE_DICTIONARY'], statistics: undefined, dictionary_page_offset: expect.any(BigInt) });
    // Twelve entries and 4-bit codes; an entry per row would take over 30 kB.
    expect(Number(meta.label!.total_compressed_size)).toBeLessThan(2000);
    // The sizes readers plan their reads with add up.
    const chunks = group!.columns.map((c) => c.meta_data!);
    expect(group!.total_compressed_size).toBe(chunks.reduce((n, c) => n + c.total_compressed_size, 0n));
    expect(group!.total_byte_size).toBe(chunks.reduce((n, c) => n + c.total_uncompressed_size, 0n));
    expect(meta.score!.total_uncompressed_size).toBe(meta.score!.total_compressed_size);
    expect(meta.id!.statistics).toMatchObject({ min_value: 'r0000', max_value: 'r2999', null_count: 0n });
    expect((await readParquetPart(body)).map((r) => [r.id, r.label, r.score, r.model_version])).toEqual(Array.from({ length: n }, (_, r) => block.values.map((c) => c[r])));
  });

  it('Parquet: a part without rows is a valid file with the schema and no rows', async () => {
    const store = await make();
    const body = await writePart(store, 'empty.parquet', 'parquet', []);
    expect(Number(parquetMetadata(toArrayBuffer(body)).num_rows)).toBe(0);
    expect(await readParquetPart(body)).toEqual([]);
  });
});

describe('createPartWriter backpressure', () => {
  it('waits while the sink is full, and fails instead of hanging when the sink dies', async () => {
    const stream = new PassThrough({ highWaterMark: 16 });
    let failUpload!: (err: Error) => void;
    const done = new Promise<void>((_, reject) => (failUpload = reject));
    done.catch(() => undefined);
    const writer = createPartWriter('jsonl', COLUMNS, { stream, done });
    let settled = false;
    const writing = writer.write(blockOf(ROWS)).finally(() => (settled = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(settled).toBe(false); // nobody reads the sink: the writer waits
    // A failed upload destroys its stream first, saying only that it was aborted; the writer names the upload's reason.
    stream.destroy(new Error('The operation was aborted'));
    setTimeout(() => failUpload(new Error('s3://out/part-00000.jsonl: part 2 was refused: InternalError')), 10);
    await expect(writing).rejects.toThrow('s3://out/part-00000.jsonl: part 2 was refused: InternalError');
  });
});

describe('withoutRows', () => {
  it('drops the given rows from every column, typed or not, and keeps the others in order', () => {
    const block = withoutRows({ rows: 4, values: [['a', 'b', 'c', 'd'], Float32Array.from([1, 2, 3, 4])] }, new Set([0, 2]));
    expect(block.rows).toBe(2);
    expect(block.values.map((c) => Array.from(c))).toEqual([['b', 'd'], [2, 4]]);
  });
});
