import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { inferFeatures, readColumns } from '../../../../functions/core/drift/read-columns.ts';
import { S3Store } from '../../../../functions/core/storage/s3-store.ts';
import { createBucket, motoS3 } from '../../../support/s3.ts';
import { SHADOW_PREFIX } from '../../../../functions/core/capture/capture-record.ts';
import { writeAt } from '../../../support/files.ts';

const dir = mkdtempSync(join(tmpdir(), 'read-columns-'));
const file = (name: string, body: string | Uint8Array) => {
  const path = join(dir, name);
  writeFileSync(path, body);
  return path;
};

/** A numeric column's values as a plain array. */
const nums = (column: unknown): number[] => Array.from(column as Float64Array);

const FEATURES = [
  { name: 'x', type: 'numeric' },
  { name: 'color', type: 'categorical' },
] as const;

const CSV = 'id,x,color\n1,1.5,red\n2,,blue\n3,abc,\n4,-2e3,red\n5,NA,green\n';

describe('readColumns', () => {
  it('reads CSV text into numbers (NaN for missing and unparseable, counted apart) and categories (null when empty)', async () => {
    const columns = await readColumns(file('a.csv', CSV), FEATURES);
    expect(columns.rows).toBe(5);
    expect(nums(columns.get('x'))).toEqual([1.5, NaN, NaN, -2000, NaN]);
    expect(columns.get('x')).toBeInstanceOf(Float64Array);
    expect(columns.get('color')).toEqual(['red', 'blue', null, 'red', 'green']);
    expect(columns.counts.get('x')).toEqual({ missing: 2, invalid: 1 });
    expect(columns.counts.get('color')).toEqual({ missing: 1, invalid: 0 });
    expect(columns.absent).toEqual([]);
  });

  it('reads gzip CSV, and every object of a folder (hidden ones left out)', async () => {
    const folder = mkdtempSync(join(dir, 'folder-'));
    writeFileSync(join(folder, 'part-1.csv.gz'), gzipSync(CSV));
    writeFileSync(join(folder, 'part-2.csv'), 'x,color\n7,blue\n');
    writeFileSync(join(folder, '_SUCCESS'), '');
    const rows: number[] = [];
    const columns = await readColumns(folder, FEATURES, { onRows: (n) => rows.push(n) });
    expect(columns.rows).toBe(6);
    expect(columns.objects).toBe(2);
    expect(rows.reduce((a, b) => a + b, 0)).toBe(6);
    expect(nums(columns.get('x'))).toEqual([1.5, NaN, NaN, -2000, NaN, 7]);
  });

  it('reads many byte-range chunks of a large CSV in order, with progress by bytes', async () => {
    const n = 20_000;
    const lines = ['x,color'];
    for (let i = 0; i < n; i++) lines.push(`${i},${i % 3 === 0 ? 'a' : 'b'}`);
    const path = file('big.csv', `${lines.join('\n')}\n`);
    let bytes = 0;
    let planned = 0;
    const columns = await readColumns(path, FEATURES, {
      chunkBytes: 10_000,
      onPlan: (p) => (planned = p.bytes),
      onChunkDone: (b) => (bytes += b),
    });
    const x = columns.get('x')!;
    expect(columns.rows).toBe(n);
    expect(x.length).toBe(n);
    expect(nums(x).every((v, i) => v === i)).toBe(true);
    expect(bytes).toBe(planned);
  });

  it('reads captured request records from JSON Lines with `select`, refusing records without features', async () => {
    const records = [
      { ts: '2025-01-01T00:00:00Z', requestId: 'a', model: 'm', version: '1.0.0', features: { x: 1, color: 'red' }, prediction: { label: 'y' } },
      { ts: '2025-01-01T00:00:01Z', requestId: 'b', model: 'm', version: '1.0.0', features: { x: null, color: 3 }, prediction: { label: 'n' } },
      { ts: '2025-01-01T00:00:02Z', requestId: 'c', model: 'm', version: '1.0.0', features: { x: '2.5' }, prediction: { label: 'n' } },
      { ts: '2025-01-01T00:00:03Z', requestId: 'd', model: 'm', version: '1.0.0' },
    ];
    const path = file('capture.jsonl', `${records.map((r) => JSON.stringify(r)).join('\n')}\n{not json\n`);
    const columns = await readColumns(path, FEATURES, { select: (r) => r.features as Record<string, unknown> });
    expect(columns.rows).toBe(3);
    expect(columns.rejectedRows).toBe(2);
    expect(nums(columns.get('x'))).toEqual([1, NaN, 2.5]);
    expect(columns.get('color')).toEqual(['red', '3', null]);
  });

  it('leaves out objects in _ or . named folders below the input, as the shadow records under a capture root', async () => {
    const root = mkdtempSync(join(dir, 'captures-'));
    const record = (features: object) => `${JSON.stringify({ requestId: 'a', model: 'm', version: '1.0.0', features })}\n`;
    const put = (path: string, body: string) => writeAt(root, path, body);
    put('m/1.0.0/dt=2026-11-23/hr=17/1-a.jsonl', record({ x: 1, color: 'red' }));
    put(`${SHADOW_PREFIX}m/1.0.0/2.0.0/dt=2026-11-23/hr=17/1-b.jsonl`, `${JSON.stringify({ requestId: 'a', model: 'm', version: '1.0.0', candidate: '2.0.0', predictions: [0] })}\n`);
    put('m/1.0.0/.partial/1-c.jsonl', record({ x: 2, color: 'blue' }));
    const columns = await readColumns(root, FEATURES, { select: (r) => r.features as Record<string, unknown> });
    expect(columns).toMatchObject({ rows: 1, rejectedRows: 0, objects: 1 });
    expect(columns.get('color')).toEqual(['red']);
    expect((await inferFeatures(root)).map((f) => f.name)).toEqual(['requestId', 'model', 'version', 'features']);
  });

  it('reads Parquet column batches (typed numbers, BigInt, nulls), over several row groups', async () => {
    const n = 1_000;
    const buffer = parquetWriteBuffer({
      columnData: [
        { name: 'x', type: 'DOUBLE', data: Array.from({ length: n }, (_, i) => (i % 100 === 0 ? null : i / 2)) },
        { name: 'count', type: 'INT64', data: Array.from({ length: n }, (_, i) => BigInt(i)) },
        { name: 'color', type: 'STRING', data: Array.from({ length: n }, (_, i) => (i % 2 ? 'odd' : 'even')) },
      ],
      rowGroupSize: 300,
    });
    const path = file('a.parquet', new Uint8Array(buffer));
    const columns = await readColumns(path, [...FEATURES, { name: 'count', type: 'numeric' }]);
    expect(columns.rows).toBe(n);
    const x = columns.get('x') as Float64Array;
    expect(x[1]).toBe(0.5);
    expect(x[0]).toBeNaN();
    expect(columns.counts.get('x')).toEqual({ missing: 10, invalid: 0 });
    expect((columns.get('count') as Float64Array)[999]).toBe(999);
    expect((columns.get('color') as string[]).slice(0, 3)).toEqual(['even', 'odd', 'even']);
    // The same rows through `select` (row by row) give the same columns.
    const selected = await readColumns(path, FEATURES, { select: (r) => r });
    expect(nums(selected.get('x'))).toEqual(Array.from(x));
  });

  it('names features that no row carries', async () => {
    const columns = await readColumns(file('b.csv', 'x,other\n1,2\n'), FEATURES);
    expect(columns.absent).toEqual(['color']);
    expect(columns.get('color')).toEqual([null]);
  });

  it('fails clearly on a location without objects and on an unknown format', async () => {
    await expect(readColumns(join(dir, 'nothing-here'), FEATURES)).rejects.toThrow(/no input objects/);
    await expect(readColumns(file('a.txt', 'x\n1\n'), FEATURES)).rejects.toThrow(/cannot tell the format/);
  });

  it('reads from S3 (moto): CSV, gzip JSON Lines and Parquet under one prefix', async () => {
    const s3 = motoS3();
    const bucket = await createBucket(s3, 'read-columns');
    const put = (Key: string, Body: string | Uint8Array) => s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body }));
    await put('in/1.csv', 'x,color\n1,a\n2,b\n');
    await put('in/2.jsonl.gz', gzipSync('{"x":3,"color":"c"}\n{"x":"4","color":null}\n'));
    await put('in/3.parquet', new Uint8Array(parquetWriteBuffer({ columnData: [{ name: 'x', type: 'DOUBLE', data: [5, 6] }, { name: 'color', type: 'STRING', data: ['a', 'a'] }] })));
    const columns = await readColumns({ store: new S3Store(s3, bucket), key: 'in/' }, FEATURES);
    expect(columns.rows).toBe(6);
    expect(nums(columns.get('x'))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(columns.get('color')).toEqual(['a', 'b', 'c', null, 'a', 'a']);
  });
});

describe('inferFeatures', () => {
  it('takes every column in header order: numeric when at least 95% of the non-empty values are numbers', async () => {
    const lines = ['id,score,mostly,label,empty'];
    for (let i = 0; i < 100; i++) lines.push(`${i},${i / 10},${i < 96 ? i : 'x'},${i % 2 ? 'yes' : 'no'},`);
    expect(await inferFeatures(file('infer.csv', `${lines.join('\n')}\n`))).toEqual([
      { name: 'id', type: 'numeric' },
      { name: 'score', type: 'numeric' },
      { name: 'mostly', type: 'numeric' },
      { name: 'label', type: 'categorical' },
    ]);
    // 94 numbers out of 100 non-empty values are not enough.
    const fewer = lines.map((l, i) => (i === 1 || i === 2 ? l.replace(/^(\d+),([^,]*),\d+,/, '$1,$2,x,') : l));
    expect((await inferFeatures(file('infer2.csv', `${fewer.join('\n')}\n`))).find((f) => f.name === 'mostly')?.type).toBe('categorical');
  });

  it('reads JSON Lines keys (nested with select) and Parquet columns', async () => {
    const path = file('infer.jsonl', '{"features":{"a":1,"b":"x"}}\n{"features":{"a":2,"b":"y","c":3}}\n');
    expect(await inferFeatures(path, { select: (r) => r.features as Record<string, unknown> })).toEqual([
      { name: 'a', type: 'numeric' },
      { name: 'b', type: 'categorical' },
      { name: 'c', type: 'numeric' },
    ]);
    const parquet = file('infer.parquet', new Uint8Array(parquetWriteBuffer({ columnData: [{ name: 'n', type: 'INT32', data: [1, 2] }, { name: 's', type: 'STRING', data: ['a', 'b'] }] })));
    expect(await inferFeatures(parquet)).toEqual([
      { name: 'n', type: 'numeric' },
      { name: 's', type: 'categorical' },
    ]);
  });
});
