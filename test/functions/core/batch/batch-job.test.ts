import { readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { remove } from '../storage/stores.ts';
import { parse } from 'csv-parse/sync';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import type { Location } from '../../../../functions/core/storage/object-store.ts';
import { joinKey } from '../../../../functions/core/storage/location.ts';
import { FEATURES, generateCsv } from '../../../support/batch-data.ts';
import { failingOnce, replacedOnFirstRead, runJob, type Where, workspace } from '../../../support/batch-job.ts';
import { MODELS, model } from '../../../support/models.ts';
import { JobSpec } from '../../../../functions/core/batch/contracts.ts';
import { scoreChunk } from '../../../../functions/core/batch/score-chunk.ts';
import { planJob } from '../../../../functions/core/batch/plan-job.ts';
import { finalizeJob } from '../../../../functions/core/batch/finalize-job.ts';
import { Model } from '../../../../functions/core/model.ts';
import { NON_FINITE_ANSWER } from '../../../../functions/core/predictions.ts';

const text = async (loc: Location, name: string) => new TextDecoder().decode(await loc.store.readBytes(joinKey(loc.key, name)));

/** Every output row of a run, parts concatenated in manifest order. */
async function outputRows(output: Location, parts: string[]): Promise<Record<string, string>[]> {
  const rows: Record<string, string>[] = [];
  for (const part of parts) rows.push(...(parse(await text(output, part), { columns: true }) as Record<string, string>[]));
  return rows;
}

/** Every object under a prefix with its text: what "touching nothing there" is checked against. */
async function everything(at: Location): Promise<[string, string][]> {
  return Promise.all((await at.store.list(at.key)).map(async (o): Promise<[string, string]> => [o.key, new TextDecoder().decode(await at.store.readBytes(o.key))]));
}


async function rejects(output: Location, names: string[]) {
  const all: { line?: number; offset?: number; reasons: string[]; raw?: string }[] = [];
  for (const name of names) all.push(...(await text(output, name)).trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)));
  return all;
}

describe.each<Where>(['local', 's3'])('a batch job over %s storage', (where) => {
  it('scores every good row in input order and keeps every bad row with its reason, with chunk boundaries inside rows', async () => {
    const { base, location } = await workspace(where);
    const data = generateCsv(700, 13);
    await location(`${base}/in/data.csv`).store.write(location(`${base}/in/data.csv`).key, data.text);
    const { manifest, chunks } = await runJob({ model: 'breast-cancer', input: `${base}/in/`, output: `${base}/out`, idColumn: 'id', chunkBytes: 4096 }, location);

    expect(chunks.length).toBeGreaterThan(20);
    expect(manifest).toMatchObject({ status: 'succeeded', rowsIn: 700, rowsScored: data.goodIds.length, rowsRejected: data.bad.size, chunks: chunks.length, failedChunks: [] });
    expect(manifest.rowsIn).toBe(manifest.rowsScored + manifest.rowsRejected);

    const output = location(`${base}/out`);
    const rows = await outputRows(output, manifest.parts);
    expect(rows.map((r) => r.id)).toEqual(data.goodIds);
    const m = await model(MODELS.breastCancer);
    const sample = [data.goodIds[0]!, data.goodIds[333]!, data.goodIds.at(-1)!];
    const expected = await m.predict(sample.map((id) => data.instances.get(id)!));
    sample.forEach((id, i) => {
      const row = rows.find((r) => r.id === id)!;
      const p = expected[i] as { label: string; probability: number };
      expect(row.label).toBe(p.label);
      expect(Number(row.probability)).toBeCloseTo(p.probability, 6);
      expect(row.model_version).toBe('1.0.0');
    });

    const rejected = await rejects(output, manifest.rejects);
    expect(rejected).toHaveLength(data.bad.size);
    // Every reject names its line in the object, also in the chunks that start mid-object, and its byte offset.
    const lines = data.text.split('\n');
    const offsets = lines.map((_, k) => lines.slice(0, k).reduce((n, l) => n + l.length + 1, 0));
    for (const r of rejected) {
      const id = r.raw!.split(',')[0]!;
      expect(r.reasons.join('; ')).toMatch(data.bad.get(id)!);
      const k = lines.indexOf(r.raw!);
      expect(r).toMatchObject({ line: k + 1, offset: offsets[k] });
      expect(r).not.toHaveProperty('chunkLine');
    }
    expect(rejected.filter((r) => r.offset! > 4096).length).toBeGreaterThan(data.bad.size / 2);
    // Only the chunks that rejected a row leave a rejects part: the manifest lists every one there is.
    const stored = (await output.store.list(`${output.key}/rejects/`)).map((o) => o.key.slice(output.key.length + 1));
    expect(stored.sort()).toEqual([...manifest.rejects].sort());
    expect(manifest.rejects.length).toBeLessThan(chunks.length);
  });

  it('reads gzip-compressed CSV whole, with line numbers', async () => {
    const { base, location } = await workspace(where);
    const data = generateCsv(300, 10);
    const input = location(`${base}/in/data.csv.gz`);
    await input.store.write(input.key, gzipSync(data.text));
    const { manifest } = await runJob({ model: 'breast-cancer', input: `${base}/in/data.csv.gz`, output: `${base}/out`, idColumn: 'id' }, location);
    expect(manifest).toMatchObject({ status: 'succeeded', rowsIn: 300, rowsScored: data.goodIds.length, rowsRejected: data.bad.size });
    const rejected = await rejects(location(`${base}/out`), manifest.rejects);
    expect(rejected[0]!.line).toBe(11);
  });

  it('splits Parquet by row groups and scores typed columns, rejecting nulls with the row index', async () => {
    const { base, location } = await workspace(where);
    const data = generateCsv(3000);
    const columns = FEATURES.map((name) => ({
      name,
      type: 'DOUBLE' as const,
      // Nulls in two columns, the later column's at the earlier row: rejects still come in row order.
      data: data.goodIds.map((id, i) => ((name === 'mean_area' && i % 500 === 7) || (name === 'worst_area' && i % 500 === 3) ? null : data.instances.get(id)![name]!)),
    }));
    const parquet = parquetWriteBuffer({ columnData: [{ name: 'id', type: 'STRING', data: data.goodIds }, ...columns], rowGroupSize: 500 });
    const input = location(`${base}/in/data.parquet`);
    await input.store.write(input.key, new Uint8Array(parquet));
    const { manifest, chunks } = await runJob({ model: 'breast-cancer', input: `${base}/in/data.parquet`, output: `${base}/out`, idColumn: 'id', chunkBytes: 64 * 1024 }, location);
    expect(chunks.length).toBeGreaterThan(1);
    expect(manifest).toMatchObject({ status: 'succeeded', rowsIn: 3000, rowsScored: 2988, rowsRejected: 12 });
    const rejected = await rejects(location(`${base}/out`), manifest.rejects);
    expect(rejected.map((r) => (r as { row?: number }).row)).toEqual([0, 500, 1000, 1500, 2000, 2500].flatMap((g) => [g + 3, g + 7]));
    expect(rejected[0]!.reasons).toEqual(['worst_area: must not be null']);
    expect(rejected[1]!.reasons).toEqual(['mean_area: must not be null']);
  });

  it('keeps a Parquet reject\'s values as they were, NaN and Infinity as text, and names a date where a number belongs', async () => {
    const { base, location } = await workspace(where);
    const values = [Number.NaN, Number.POSITIVE_INFINITY, 12];
    const parquet = parquetWriteBuffer({
      columnData: FEATURES.map((name) =>
        name === 'mean_texture'
          ? { name, data: values.map((_, i) => new Date(Date.UTC(2026, 0, 1 + i))), type: 'TIMESTAMP' as const }
          : { name, data: name === 'mean_radius' ? values : values.map(() => 10), type: 'DOUBLE' as const },
      ),
    });
    const input = location(`${base}/in/data.parquet`);
    await input.store.write(input.key, new Uint8Array(parquet));
    const { manifest } = await runJob({ model: 'breast-cancer', input: `${base}/in`, output: `${base}/out` }, location);
    expect(manifest).toMatchObject({ status: 'succeeded', rowsIn: 3, rowsRejected: 3 });
    const rejected = (await rejects(location(`${base}/out`), manifest.rejects)) as { values: Record<string, unknown>; reasons: string[] }[];
    expect(rejected.map((r) => r.values.mean_radius)).toEqual(['NaN', 'Infinity', 12]);
    expect(rejected[2]!.reasons).toEqual(['mean_texture: expected a number, got the date 2026-01-03T00:00:00.000Z']);
  });

  it('rejects a Parquet row whose id is not UTF-8 (decoded, two such ids could become one), keeping the others and U+FFFD written as UTF-8', async () => {
    const { base, location } = await workspace(where);
    const data = generateCsv(4);
    const ids = [Buffer.from('p\u00e9'), Buffer.from([0x70, 0xe9]), Buffer.from([0x70, 0xe8]), Buffer.from('\uFFFDp')];
    const parquet = parquetWriteBuffer({
      columnData: [
        { name: 'id', type: 'BYTE_ARRAY', data: ids.map((b) => new Uint8Array(b)) },
        ...FEATURES.map((name) => ({ name, type: 'DOUBLE' as const, data: data.goodIds.map((id) => data.instances.get(id)![name]!) })),
      ],
    });
    const input = location(`${base}/in/data.parquet`);
    await input.store.write(input.key, new Uint8Array(parquet));
    const { manifest } = await runJob({ model: 'breast-cancer', input: `${base}/in`, output: `${base}/out`, idColumn: 'id' }, location);
    expect(manifest).toMatchObject({ status: 'succeeded', rowsIn: 4, rowsScored: 2, rowsRejected: 2 });
    expect((await outputRows(location(`${base}/out`), manifest.parts)).map((r) => r.id)).toEqual(['p\u00e9', '\uFFFDp']);
    const rejected = (await rejects(location(`${base}/out`), manifest.rejects)) as { row: number; values: Record<string, unknown>; reasons: string[] }[];
    expect(rejected.map((r) => [r.row, r.values.id, r.reasons])).toEqual([
      [1, 'p\uFFFD', ['id: not UTF-8 text: a Parquet string must be UTF-8']],
      [2, 'p\uFFFD', ['id: not UTF-8 text: a Parquet string must be UTF-8']],
    ]);
  });

  it('reads JSON Lines, rejecting invalid JSON and wrongly typed values, and writes JSON Lines', async () => {
    const { base, location } = await workspace(where);
    const data = generateCsv(50);
    const lines = data.goodIds.map((id) => JSON.stringify({ id, ...data.instances.get(id) }));
    lines[3] = '{"id": "r3", "mean_radius": ';
    lines[4] = JSON.stringify({ ...JSON.parse(lines[4]!), mean_texture: '12.5' });
    lines[5] = '[1, 2, 3]';
    const input = location(`${base}/in/data.jsonl`);
    await input.store.write(input.key, `${lines.join('\n')}\n`);
    const { manifest } = await runJob({ model: 'breast-cancer', input: `${base}/in`, output: `${base}/out`, idColumn: 'id', format: 'jsonl' }, location);
    expect(manifest).toMatchObject({ status: 'succeeded', rowsIn: 50, rowsScored: 47, rowsRejected: 3, parts: ['part-00000.jsonl'] });
    const out = (await text(location(`${base}/out`), 'part-00000.jsonl')).trim().split('\n').map((l) => JSON.parse(l));
    expect(out).toHaveLength(47);
    expect(out[0]).toMatchObject({ id: 'r0', model_version: '1.0.0' });
    const reasons = (await rejects(location(`${base}/out`), manifest.rejects)).map((r) => r.reasons.join('; '));
    expect(reasons[0]).toMatch(/JSON/);
    expect(reasons[1]).toBe('mean_texture: expected a number, got the string "12.5"');
    expect(reasons[2]).toMatch(/object/);
  });

  it('scores a model with a categorical feature from CSV: categories as text, numbers as numbers, an id named like a feature kept as written', async () => {
    const { base, location } = await workspace(where);
    const m = await model(MODELS.diabetesCategorical);
    const names = m.pkg.features.map((f) => f.name);
    const examples = m.pkg.examples!.map((e) => e.instance as Record<string, string | number>);
    // `age` is a feature and, here, the id column too: "036" scores as 36 and comes out as "036".
    const row = (x: Record<string, string | number>) => names.map((n) => (n === 'age' ? String(x[n]).padStart(3, '0') : x[n])).join(',');
    const bad = [row({ ...examples[0]!, sex: 'other' }), row({ ...examples[0]!, bmi: 'n/a' })];
    const input = location(`${base}/in/data.csv`);
    await input.store.write(input.key, `${names.join(',')}\n${[...examples.map(row), ...bad].join('\n')}\n`);
    const { manifest } = await runJob({ model: m.pkg.name, input: `${base}/in`, output: `${base}/out`, idColumn: 'age' }, location, { model: m });
    expect(manifest).toMatchObject({ status: 'succeeded', rowsIn: examples.length + 2, rowsScored: examples.length, rowsRejected: 2 });
    const rows = await outputRows(location(`${base}/out`), manifest.parts);
    expect(rows.map((r) => r.age)).toEqual(examples.map((x) => String(x.age).padStart(3, '0')));
    const expected = m.pkg.examples!.map((e) => (e.prediction as { value: number }).value);
    rows.forEach((r, i) => expect(Number(r.value)).toBeCloseTo(expected[i]!, 3));
    const reasons = (await rejects(location(`${base}/out`), manifest.rejects)).map((r) => r.reasons.join('; '));
    expect(reasons).toEqual([expect.stringMatching(/^sex: /), 'bmi: not a number: "n/a"']);
  });

  it('accounts for an empty object (gzip and Parquet too) and a header-only file as zero rows, and succeeds', async () => {
    const { base, location } = await workspace(where);
    const a = location(`${base}/in/a-empty.csv`);
    const b = location(`${base}/in/b-header.csv`);
    const c = location(`${base}/in/c-empty.csv.gz`);
    const d = location(`${base}/in/d-empty.parquet`);
    await a.store.write(a.key, '');
    await b.store.write(b.key, `${generateCsv(0).text}`);
    await c.store.write(c.key, '');
    await d.store.write(d.key, '');
    const { manifest } = await runJob({ model: 'breast-cancer', input: `${base}/in`, output: `${base}/out` }, location);
    expect(manifest).toMatchObject({ status: 'succeeded', rowsIn: 0, rowsScored: 0, rowsRejected: 0, chunks: 4 });
    expect(manifest.inputObjects.map((o) => o.size)).toEqual([0, expect.any(Number), 0, 0]);
    // Which content of each object was scored: its ETag, or a file's inode and modification time.
    expect(manifest.inputObjects.map((o) => typeof o.etag)).toEqual(['string', 'string', 'string', 'string']);
  });

  it('takes hidden objects and folders below the input (_SUCCESS, .crc, _temporary/) for no input', async () => {
    const { base, location } = await workspace(where);
    const data = generateCsv(20);
    for (const name of ['in/data.csv', 'in/_SUCCESS', 'in/.data.csv.crc', 'in/_temporary/0/part.csv', 'in/day=1/.staging/part.csv']) {
      const at = location(`${base}/${name}`);
      await at.store.write(at.key, data.text);
    }
    const { manifest } = await runJob({ model: 'breast-cancer', input: `${base}/in`, output: `${base}/out` }, location);
    expect(manifest.inputObjects.map((o) => o.key.slice(o.key.indexOf('/in/') + 1))).toEqual(['in/data.csv']);
    expect(manifest).toMatchObject({ status: 'succeeded', rowsIn: 20 });
  });

  it('takes an earlier run\'s output inside the input folder for no input, and scores a run\'s own folder when named', async () => {
    const { base, location } = await workspace(where);
    const data = generateCsv(20);
    const input = location(`${base}/in/data.csv`);
    await input.store.write(input.key, data.text);
    const first = await runJob({ model: 'breast-cancer', input: `${base}/in`, output: `${base}/in/scored` }, location);
    const second = await runJob({ model: 'breast-cancer', input: `${base}/in`, output: `${base}/in/scored-again` }, location);
    expect(second.manifest.inputObjects).toEqual(first.manifest.inputObjects);
    expect(second.manifest).toMatchObject({ status: 'succeeded', rowsIn: 20 });
    const rescored = await runJob({ model: 'breast-cancer', input: `${base}/in/scored`, output: `${base}/rescored` }, location);
    expect(rescored.manifest.inputObjects.map((o) => o.key.slice(o.key.indexOf('scored/')))).toEqual(['scored/part-00000.csv']);
  });

  it('ignores unknown columns, and fails an object whose header lacks a feature or the id column, naming each', async () => {
    const { base, location } = await workspace(where);
    const data = generateCsv(20);
    const withExtra = data.text.split('\n').map((l, i) => (l ? `${l},${i === 0 ? 'comment' : 'x'}` : l)).join('\n');
    const withoutFirst = data.text.split('\n').map((l) => l.split(',').filter((_, j) => j !== 1).join(',')).join('\n');
    const extra = location(`${base}/extra/data.csv`);
    const missing = location(`${base}/missing/data.csv`);
    await extra.store.write(extra.key, withExtra);
    await missing.store.write(missing.key, withoutFirst);
    expect((await runJob({ model: 'breast-cancer', input: `${base}/extra`, output: `${base}/out-extra` }, location)).manifest).toMatchObject({ status: 'succeeded', rowsScored: 20 });
    // Rejecting each row for the same reason would leave a job that scored nothing "succeeded".
    const { manifest } = await runJob({ model: 'breast-cancer', input: `${base}/missing`, output: `${base}/out-missing`, idColumn: 'ID' }, location);
    const header = withoutFirst.slice(0, withoutFirst.indexOf('\n')).split(',');
    expect(manifest).toMatchObject({ status: 'failed', rowsIn: 0, rowsScored: 0, rowsRejected: 0, failedChunks: [0] });
    // No chunk committed: the output is claimed by no model version, and a rerun with another may score it.
    expect(manifest.model).toBeUndefined();
    expect((await location(`${base}/out-missing`).store.list(location(`${base}/out-missing`).key)).map((o) => o.key)).not.toContainEqual(expect.stringMatching(/_plan\/model\.json$/));
    expect(manifest.errors).toEqual([
      {
        chunk: 0,
        name: 'BadInput',
        message: `${missing.store.uri(missing.key)}: the CSV header has no column "mean_radius" (needed by breast-cancer 1.0.0) nor "ID" (the id column); its columns are ${header.map((n) => JSON.stringify(n)).join(', ')}`,
      },
    ]);
  });

  it('scores an object without the column of a feature that allows missing values, and of a Parquet file lacking a feature fails it', async () => {
    const { base, location } = await workspace(where);
    const pkg = (await model(MODELS.breastCancer)).pkg;
    const lenient = await Model.create({ ...pkg, features: pkg.features.map((f, i) => (i === 0 ? { ...f, allowMissing: true } : f)) }, await readFile(`${MODELS.breastCancer}/model.onnx`));
    const data = generateCsv(20);
    const withoutFirst = data.text.split('\n').map((l) => l.split(',').filter((_, j) => j !== 1).join(',')).join('\n');
    const input = location(`${base}/in/data.csv`);
    await input.store.write(input.key, withoutFirst);
    const scored = await runJob({ model: 'breast-cancer', input: `${base}/in`, output: `${base}/out`, idColumn: 'id' }, location, { model: lenient });
    // Read and scored, not failed: this logistic regression answers NaN to a missing value, so each row is kept for that.
    expect(scored.manifest).toMatchObject({ status: 'succeeded', rowsIn: 20, failedChunks: [] });
    expect(new Set((await rejects(location(`${base}/out`), scored.manifest.rejects)).flatMap((r) => r.reasons))).toEqual(new Set([NON_FINITE_ANSWER]));

    const parquet = location(`${base}/pq/data.parquet`);
    await parquet.store.write(parquet.key, new Uint8Array(parquetWriteBuffer({ columnData: [{ name: 'id', data: ['a', 'b'], type: 'STRING' }, { name: FEATURES[1]!, data: [1, 2], type: 'DOUBLE' }] })));
    const { manifest } = await runJob({ model: 'breast-cancer', input: `${base}/pq`, output: `${base}/out-pq` }, location);
    expect(manifest.status).toBe('failed');
    expect(manifest.errors?.[0]).toMatchObject({
      name: 'BadInput',
      message: `${parquet.store.uri(parquet.key)}: the Parquet schema has no column ${FEATURES.filter((_, i) => i !== 1).slice(0, 10).map((f) => `"${f}"`).join(', ')} and 19 more (needed by breast-cancer 1.0.0); its columns are "id", "${FEATURES[1]}"`,
    });
  });

  it('retries a worker that fails mid-chunk without duplicating a row', async () => {
    const { base, location } = await workspace(where);
    const data = generateCsv(400, 17);
    const input = location(`${base}/in/data.csv`);
    await input.store.write(input.key, data.text);
    const { manifest, errors } = await runJob(
      { model: 'breast-cancer', input: `${base}/in/data.csv`, output: `${base}/out`, idColumn: 'id', chunkBytes: 16 * 1024 },
      location,
      { workerInput: (i) => failingOnce(i, 8 * 1024), attempts: 2 },
    );
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^chunk \d+: .*data\.csv: worker killed mid-chunk$/);
    expect(manifest).toMatchObject({ status: 'succeeded', rowsIn: 400, rowsScored: data.goodIds.length, rowsRejected: data.bad.size, failedChunks: [] });
    const rows = await outputRows(location(`${base}/out`), manifest.parts);
    expect(rows.map((r) => r.id)).toEqual(data.goodIds);
  });

  it('fails the run, naming the chunk, when a chunk fails beyond the tolerance', async () => {
    const { base, location } = await workspace(where);
    const input = location(`${base}/in/data.csv`);
    await input.store.write(input.key, generateCsv(400).text);
    const spec = { model: 'breast-cancer', input: `${base}/in/data.csv`, output: `${base}/out`, chunkBytes: 16 * 1024 };
    const { manifest } = await runJob(spec, location, { workerInput: (i) => failingOnce(i, 8 * 1024), attempts: 1 });
    expect(manifest.status).toBe('failed');
    expect(manifest.failedChunks).toHaveLength(1);
    expect(manifest.reasons).toEqual([`1 of ${manifest.chunks} chunks failed (${(100 / manifest.chunks).toFixed(1)}%), over the tolerated 0%`]);
    expect(manifest.errors).toEqual([{ chunk: manifest.failedChunks[0], name: 'Error', message: `${input.store.uri(input.key)}: worker killed mid-chunk` }]);
    const tolerated = await runJob({ ...spec, output: `${base}/out2`, toleratedFailurePercentage: 50 }, location, { workerInput: (i) => failingOnce(i, 8 * 1024), attempts: 1 });
    expect(tolerated.manifest).toMatchObject({ status: 'succeeded', failedChunks: manifest.failedChunks, errors: manifest.errors });
    expect(tolerated.manifest.rowsIn).toBe(tolerated.manifest.rowsScored + tolerated.manifest.rowsRejected);
  });

  it('refuses an output prefix that holds another run, touching nothing there: another input, chunk size, format or id', async () => {
    const { base, location } = await workspace(where);
    const data = generateCsv(200, 9);
    for (const name of ['a.csv', 'b.csv']) {
      const at = location(`${base}/in/${name}`);
      await at.store.write(at.key, data.text);
    }
    const spec = { model: 'breast-cancer', input: `${base}/in/a.csv`, output: `${base}/out`, idColumn: 'id', chunkBytes: 8192 };
    const first = await runJob(spec, location);
    const output = location(`${base}/out`);
    const before = await everything(output);
    for (const [change, message] of [
      [{ input: `${base}/in/b.csv` }, /its input was ".*a\.csv", this run's is ".*b\.csv"/],
      [{ chunkBytes: 16384 }, /its chunks differ/],
      [{ format: 'jsonl' }, /its format was "csv", this run's is "jsonl"/],
      [{ idColumn: undefined }, /its idColumn was "id", this run's is null/],
    ] as const) {
      await expect(runJob({ ...spec, ...change }, location)).rejects.toMatchObject({ name: 'OutputInUse', message: expect.stringMatching(message) });
    }
    expect(await everything(output)).toEqual(before);
    expect((await runJob(spec, location)).manifest).toMatchObject({ status: 'succeeded', rowsIn: first.manifest.rowsIn, parts: first.manifest.parts });
  });

  it('resumes a run whose plan was written before chunks carried their object\'s size, and while they carried a first line number', async () => {
    const { base, location } = await workspace(where);
    const input = location(`${base}/in/data.csv`);
    await input.store.write(input.key, generateCsv(200).text);
    const spec = { model: 'breast-cancer', input: `${base}/in/data.csv`, output: `${base}/out`, chunkBytes: 8192 };
    const first = await runJob(spec, location);
    const list = location(`${base}/out/_plan/chunks.json`);
    const older = (JSON.parse(Buffer.from(await list.store.readBytes(list.key)).toString()) as Record<string, any>[]).map(({ size: _, ...chunk }) => ({ ...chunk, ...(chunk.range.start === 0 && { firstLine: 1 }) }));
    await list.store.write(list.key, JSON.stringify(older));
    expect((await runJob(spec, location)).manifest).toMatchObject({ status: 'succeeded', rowsIn: first.manifest.rowsIn, parts: first.manifest.parts });
  });

  it('refuses to take a chunk committed by another model version as its own, and writes no manifest over that run\'s', async () => {
    const { base, location } = await workspace(where);
    const input = location(`${base}/in/data.csv`);
    await input.store.write(input.key, generateCsv(50).text);
    const spec = { model: 'breast-cancer', input: `${base}/in/data.csv`, output: `${base}/out` };
    const { chunks } = await runJob(spec, location);
    const output = location(`${base}/out`);
    const before = await everything(output);
    const candidate = await model(MODELS.breastCancerCandidate);
    const context = { job: JobSpec.parse(spec), model: candidate, input, output };
    await expect(scoreChunk(chunks[0]!, context)).rejects.toThrow(/chunk 0 was scored by breast-cancer 1\.0\.0, this run scores with breast-cancer 1\.1\.0/);
    const second = await runJob(spec, location, { model: candidate });
    expect(second.manifest).toMatchObject({ status: 'failed', reasons: [expect.stringMatching(/^OutputInUse: .*was scored by breast-cancer 1\.0\.0/)] });
    expect(second.uri).toMatch(/^\(not written: /);
    // Only the worker's refusal is left behind: it is how finalize learns of it.
    expect((await everything(output)).filter(([key]) => !key.includes('/_errors/'))).toEqual(before);
  });

  it('refuses to score, beside another version\'s parts, a chunk that has no commit record there, writing none of its parts', async () => {
    const { base, location } = await workspace(where);
    const input = location(`${base}/in/data.csv`);
    await input.store.write(input.key, generateCsv(300).text);
    const spec = { model: 'breast-cancer', input: `${base}/in/data.csv`, output: `${base}/out`, chunkBytes: 16 * 1024 };
    const first = await runJob(spec, location);
    expect(first.chunks.length).toBeGreaterThan(2);
    const output = location(`${base}/out`);
    // As the manifest tells one to, to score a chunk again.
    await remove(output.store, joinKey(output.key, '_chunks/part-00001.json'));
    const before = (await everything(output)).filter(([key]) => !key.endsWith('_chunks/part-00001.json'));
    const second = await runJob(spec, location, { model: await model(MODELS.breastCancerCandidate) });
    // The committed chunks find their records; the other finds the output claimed by the version that scored them.
    expect(second.errors).toHaveLength(first.chunks.length);
    expect(second.errors).toContainEqual(expect.stringMatching(/^chunk 1: .*\/_plan\/model\.json: chunks under this output are committed with breast-cancer 1\.0\.0, this worker scores with breast-cancer 1\.1\.0/));
    expect(second.manifest).toMatchObject({ status: 'failed', reasons: [expect.stringMatching(/^OutputInUse: /)] });
    expect((await everything(output)).filter(([key]) => !key.includes('/_errors/'))).toEqual(before);
    // The version that scored the output may score the chunk again.
    expect((await runJob(spec, location)).manifest).toMatchObject({ status: 'succeeded', rowsIn: 300, parts: first.manifest.parts });
  });

  it('fails the chunks a worker of another version meets during a run, and still writes the run\'s manifest', async () => {
    const { base, location } = await workspace(where);
    const input = location(`${base}/in/data.csv`);
    await input.store.write(input.key, generateCsv(300).text);
    const job = JobSpec.parse({ model: 'breast-cancer', input: `${base}/in/data.csv`, output: `${base}/out`, chunkBytes: 16 * 1024 });
    const output = location(`${base}/out`);
    const { plan, chunks } = await planJob(job, input, output);
    const [v1, v2] = [await model(MODELS.breastCancer), await model(MODELS.breastCancerCandidate)];
    await scoreChunk(chunks[0]!, { job, model: v1, input, output });
    // A deploy lands: the other chunks meet the output claimed by the version that committed chunk 0.
    for (const chunk of chunks.slice(1)) await expect(scoreChunk(chunk, { job, model: v2, input, output })).rejects.toMatchObject({ name: 'OtherModel' });
    const { manifest, uri } = await finalizeJob(job, plan, output);
    expect(uri).toBe(output.store.uri(joinKey(output.key, '_manifest.json')));
    expect(manifest).toMatchObject({ status: 'failed', failedChunks: chunks.slice(1).map((c) => c.index), model: { version: '1.0.0' } });
    expect(manifest.errors![0]).toMatchObject({ name: 'OtherModel', message: expect.stringContaining('this worker scores with breast-cancer 1.1.0') });
  });

  it('refuses an output whose run read other input objects under the same name, resumes one named another way, and lets one of two jobs started at once claim an output', async () => {
    const { base, location } = await workspace(where);
    const input = location(`${base}/in/data.csv`);
    const { text: data } = generateCsv(50);
    await input.store.write(input.key, data);
    const spec = { model: 'breast-cancer', input: `${base}/in`, output: `${base}/out` };
    await runJob(spec, location);
    expect((await runJob({ ...spec, input: `${base}/in/` }, location)).manifest.status).toBe('succeeded');
    // Replaced by an object of the same size: one digit of the last row differs.
    const last = data.search(/\d(?=\D*$)/);
    await input.store.write(input.key, `${data.slice(0, last)}${(Number(data[last]) + 1) % 10}${data.slice(last + 1)}`);
    await expect(runJob(spec, location)).rejects.toThrow(/its input objects differ: one was added, removed or replaced/);
    await input.store.write(input.key, generateCsv(60).text);
    await expect(runJob(spec, location)).rejects.toThrow(/its input objects differ: one was added, removed or replaced/);
    const settled = await Promise.allSettled([runJob({ ...spec, output: `${base}/race` }, location), runJob({ ...spec, output: `${base}/race`, format: 'jsonl' }, location)]);
    expect(settled.map((s) => s.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(String((settled.find((s) => s.status === 'rejected') as PromiseRejectedResult).reason)).toMatch(/holds another run \(its format was/);
  });

  /** 50 generated rows as an object of each input encoding, and the same rows with one digit changed (a CSV of the same size). */
  const encodings: [string, string, (text: string) => Uint8Array | string][] = [
    ['CSV', 'data.csv', (csv) => csv],
    ['gzip CSV', 'data.csv.gz', (csv) => gzipSync(csv)],
    [
      'Parquet',
      'data.parquet',
      (csv) => {
        const rows = parse(csv, { columns: true }) as Record<string, string>[];
        const columns = [{ name: 'id', type: 'STRING' as const, data: rows.map((r) => r.id) }, ...FEATURES.map((name) => ({ name, type: 'DOUBLE' as const, data: rows.map((r) => Number(r[name])) }))];
        return new Uint8Array(parquetWriteBuffer({ columnData: columns }));
      },
    ],
  ];
  const sameSizeVariant = (data: string) => {
    const last = data.search(/\d(?=\D*$)/);
    return `${data.slice(0, last)}${(Number(data[last]) + 1) % 10}${data.slice(last + 1)}`;
  };

  it.each(encodings)('fails a chunk whose %s input is replaced after the run was planned, and the run with it, leaving no part', async (_, name, encode) => {
    const { base, location } = await workspace(where);
    const input = location(`${base}/in/${name}`);
    const { text: data } = generateCsv(50);
    await input.store.write(input.key, encode(data));
    const spec = { model: 'breast-cancer', input: `${base}/in/${name}`, output: `${base}/out`, idColumn: 'id' };
    const { manifest, errors } = await runJob(spec, location, { workerInput: (i) => replacedOnFirstRead(i, encode(sameSizeVariant(data))) });
    expect(errors).toEqual([expect.stringMatching(new RegExp(`${name.replace('.', '\\.')} was replaced after the run was planned: score it again into a new output prefix$`))]);
    expect(manifest).toMatchObject({ status: 'failed', rowsIn: 0, failedChunks: [0] });
    // What the failed chunk held, in no count: the whole gzip object, the CSV's byte range, the Parquet row groups.
    const held = name.endsWith('.gz') ? {} : name.endsWith('.parquet') ? { rowGroups: { start: 0, end: 1 } } : { range: { start: 0, end: data.length } };
    expect(manifest.unscored).toEqual([{ chunk: 0, key: input.key, ...held }]);
    expect(manifest.errors?.[0]).toMatchObject({ name: 'BadInput', message: expect.stringMatching(/was replaced after the run was planned/) });
    // Its part was aborted before completion: the output holds no row of either version.
    expect((await everything(location(`${base}/out`))).map(([key]) => key).filter((key) => /part-\d+\.csv$/.test(key))).toEqual([]);
  });

  it('fails a chunk whose input was replaced or removed before its worker started, scoring none of it and committing nothing', async () => {
    const { base, location } = await workspace(where);
    const input = location(`${base}/in/data.csv`);
    await input.store.write(input.key, generateCsv(50).text);
    const job = JobSpec.parse({ model: 'breast-cancer', input: `${base}/in/data.csv`, output: `${base}/out`, chunkBytes: 1024 });
    const output = location(job.output);
    const { chunks } = await planJob(job, input, output);
    const planned = (await everything(output)).map(([key]) => key);
    const worker = { job, model: await model(MODELS.breastCancer), input, output };
    await input.store.write(input.key, 'id,x\n1,2\n');
    await expect(scoreChunk(chunks[0]!, worker)).rejects.toMatchObject({ name: 'BadInput', message: expect.stringMatching(/data\.csv was replaced after the run was planned/) });
    await remove(input.store, input.key);
    await expect(scoreChunk(chunks[1]!, worker)).rejects.toMatchObject({ name: 'BadInput', message: expect.stringMatching(/data\.csv was removed after the run was planned/) });
    // No part, no commit record, no model claim: only the plan's objects and the two error records.
    const errors = ['_errors/part-00000.json', '_errors/part-00001.json'].map((name) => joinKey(output.key, name));
    expect((await everything(output)).map(([key]) => key).sort()).toEqual([...planned, ...errors].sort());
  });

  it('fails a rerun whose committed part was deleted since, naming it and how to score it again', async () => {
    const { base, location } = await workspace(where);
    const input = location(`${base}/in/data.csv`);
    await input.store.write(input.key, generateCsv(200, 9).text);
    const spec = { model: 'breast-cancer', input: `${base}/in/data.csv`, output: `${base}/out`, chunkBytes: 8192 };
    const first = await runJob(spec, location);
    const output = location(`${base}/out`);
    await remove(output.store, joinKey(output.key, 'part-00001.csv'));
    const { manifest } = await runJob(spec, location);
    expect(manifest.status).toBe('failed');
    expect(manifest.reasons).toEqual(['chunk 1 committed part-00001.csv, which no longer exist: delete _chunks/part-00001.json and rerun to score it again']);
    expect(first.manifest.status).toBe('succeeded');
  });

  it('leaves the same outputs when a whole job is run again, into its output or into a new one', async () => {
    const { base, location } = await workspace(where);
    const data = generateCsv(200, 9);
    const input = location(`${base}/in/data.csv`);
    await input.store.write(input.key, data.text);
    const spec = { model: 'breast-cancer', input: `${base}/in/data.csv`, output: `${base}/out`, idColumn: 'id', chunkBytes: 8192 };
    const first = await runJob(spec, location);
    const output = location(`${base}/out`);
    const contents = (run: typeof first, at: Location) => Promise.all([...run.manifest.parts, ...run.manifest.rejects].map((p) => text(at, p)));
    const before = await contents(first, output);
    const second = await runJob(spec, location);
    expect(second.manifest.parts).toEqual(first.manifest.parts);
    expect(await contents(second, output)).toEqual(before);
    expect({ ...second.manifest, startedAt: '', endedAt: '' }).toEqual({ ...first.manifest, startedAt: '', endedAt: '' });
    // Scored afresh, not skipped as committed: the same bytes.
    const elsewhere = await runJob({ ...spec, output: `${base}/again` }, location);
    expect(elsewhere.manifest).toMatchObject({ parts: first.manifest.parts, rejects: first.manifest.rejects, rowsScored: first.manifest.rowsScored });
    expect(await contents(elsewhere, location(`${base}/again`))).toEqual(before);
  });
});
