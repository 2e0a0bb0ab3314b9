import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, inject, it } from 'vitest';
import { FEATURES, generateCsv } from '../support/batch-data.ts';
import { runCli } from '../support/cli.ts';
import { MODELS, readPackage } from '../support/models.ts';
import { NON_FINITE_ANSWER } from '../../functions/core/predictions.ts';
import { createBucket, motoS3, S3_ENV } from '../support/s3.ts';

const data = generateCsv(2000, 50);

async function localInput() {
  const dir = await mkdtemp(join(tmpdir(), 'score-cli-'));
  await writeFile(join(dir, 'data.csv'), data.text);
  return dir;
}

describe('npm run score', () => {
  it('writes predictions for every good row, keeps every bad row with its reason, and a reconciling manifest', async () => {
    const dir = await localInput();
    const res = await runCli('bin/score.ts', ['--model', 'breast-cancer', '--input', join(dir, 'data.csv'), '--output', join(dir, 'out'), '--id', 'id', '--chunk-mb', '1']);
    expect(res.stderr).not.toMatch(/failed:/);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(`succeeded: 2000 rows in, ${data.goodIds.length} scored, ${data.bad.size} rejected`);
    const manifest = JSON.parse(await readFile(join(dir, 'out/_manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ status: 'succeeded', rowsIn: 2000, rowsScored: data.goodIds.length, rowsRejected: data.bad.size, model: { name: 'breast-cancer', version: '1.0.0' } });
    const part = await readFile(join(dir, 'out', manifest.parts[0]), 'utf8');
    expect(part.split('\n')[0]).toBe('id,label,probability,probability_benign,probability_malignant,model_version');
    expect(part.trim().split('\n')).toHaveLength(data.goodIds.length + 1);
    const rejects = (await readFile(join(dir, 'out', manifest.rejects[0]), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(rejects).toHaveLength(data.bad.size);
    expect(rejects.every((r: { reasons: string[]; line: number }) => r.reasons.length > 0 && r.line > 1)).toBe(true);
  });

  it('scores a file of several chunks, every row once and in order, its rejects numbered by line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'score-cli-'));
    const big = generateCsv(12_000, 97);
    await writeFile(join(dir, 'data.csv'), big.text);
    const res = await runCli('bin/score.ts', ['--model', 'breast-cancer', '--input', join(dir, 'data.csv'), '--output', join(dir, 'out'), '--id', 'id', '--chunk-mb', '1']);
    expect(res.code).toBe(0);
    const manifest = JSON.parse(await readFile(join(dir, 'out/_manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ status: 'succeeded', chunks: 3, rowsIn: 12_000, rowsScored: big.goodIds.length, rowsRejected: big.bad.size });
    const ids: string[] = [];
    for (const part of manifest.parts) ids.push(...(await readFile(join(dir, 'out', part), 'utf8')).trim().split('\n').slice(1).map((l) => l.split(',')[0]!));
    expect(ids).toEqual(big.goodIds);
    const lines = big.text.split('\n');
    const rejects = [];
    for (const part of manifest.rejects) rejects.push(...(await readFile(join(dir, 'out', part), 'utf8')).trim().split('\n').map((l) => JSON.parse(l)));
    expect(manifest.rejects.length).toBe(3);
    expect(rejects.map((r: { line: number; raw: string }) => lines[r.line - 1] === r.raw)).toEqual(rejects.map(() => true));
  });

  it('resumes a finished run without scoring it again, and counts its rows as committed by the earlier run, not in its rate', async () => {
    const dir = await localInput();
    const args = ['--model', 'breast-cancer', '--input', join(dir, 'data.csv'), '--output', join(dir, 'out')];
    const first = await runCli('bin/score.ts', args);
    expect(first.stdout).not.toContain('earlier run');
    const again = await runCli('bin/score.ts', args);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^succeeded: 2000 rows in, .* in [\d.]+ s, 0 rows\/s; 2000 rows were committed by an earlier run$/m);
  });

  it('gives the same outputs against an S3-compatible endpoint (moto)', async () => {
    const dir = await localInput();
    await runCli('bin/score.ts', ['--model', 'breast-cancer', '--input', join(dir, 'data.csv'), '--output', join(dir, 'out'), '--id', 'id']);
    const s3 = motoS3();
    const bucket = await createBucket(s3, 'score-cli');
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'in/data.csv', Body: data.text }));
    const res = await runCli('bin/score.ts', ['--model', 'breast-cancer', '--input', `s3://${bucket}/in/`, '--output', `s3://${bucket}/out`, '--id', 'id', '--endpoint-url', inject('motoEndpoint')], S3_ENV);
    expect(res.code).toBe(0);
    const get = async (key: string) => (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();
    const manifest = JSON.parse(await get('out/_manifest.json'));
    expect(manifest).toMatchObject({ status: 'succeeded', rowsIn: 2000, rowsScored: data.goodIds.length, rowsRejected: data.bad.size });
    for (const part of manifest.parts) expect(await get(`out/${part}`)).toBe(await readFile(join(dir, 'out', part), 'utf8'));
    // Rejects name their input object, which differs between the two runs; the rest is identical.
    const withoutKey = (text: string) => text.trim().split('\n').map((l) => ({ ...JSON.parse(l), key: undefined }));
    expect(withoutKey(await get(`out/${manifest.rejects[0]}`))).toEqual(withoutKey(await readFile(join(dir, 'out', manifest.rejects[0]), 'utf8')));
  });

  it('exits 1 and says why when a chunk fails beyond the tolerance, after trying it again', async () => {
    const dir = await localInput();
    // A page that does not decode: it might be bytes cut in transit, so it is tried again.
    const parquet = Buffer.from(parquetWriteBuffer({ columnData: FEATURES.map((name) => ({ name, data: Array.from({ length: 500 }, (_, i) => i / 7), type: 'DOUBLE' as const })) }));
    parquet.fill(0xff, 200, 260);
    await writeFile(join(dir, 'broken.parquet'), parquet);
    const res = await runCli('bin/score.ts', ['--model', 'breast-cancer', '--input', dir, '--output', join(dir, 'out'), '--attempts', '2']);
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/^failed: /);
    expect(res.stdout).toMatch(/reason: 1 of 2 chunks failed \(50\.0%\), over the tolerated 0%/);
    expect(res.stdout).toContain(`chunk 0 failed: ${join(dir, 'broken.parquet')}: `);
    expect(res.stderr).toMatch(/chunk 0 attempt 1 failed: /);
    expect(res.stderr).toMatch(/chunk 0 attempt 2 failed: /);
    expect(res.stderr).toContain("warning: 1 of 2 chunks failed: their rows are in no count; the manifest's unscored names their input");
    const manifest = JSON.parse(await readFile(join(dir, 'out/_manifest.json'), 'utf8'));
    expect(manifest.unscored).toEqual([{ chunk: 0, key: expect.stringMatching(/broken\.parquet$/), rowGroups: { start: 0, end: 1 } }]);
    expect(manifest.rowsIn).toBe(2000);
  });

  it('does not attempt again a chunk whose input no attempt can read', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'score-cli-'));
    await writeFile(join(dir, 'latin1.csv'), Buffer.concat([Buffer.from('id,caf'), Buffer.from([0xe9]), Buffer.from('\n1,2\n')]));
    const res = await runCli('bin/score.ts', ['--model', 'breast-cancer', '--input', dir, '--output', join(dir, 'out'), '--attempts', '3']);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/chunk 0 attempt 1 failed: .*header line is not UTF-8/);
    expect(res.stderr).not.toContain('attempt 2');
  });

  it('warns that no row was scored when every chunk failed within the tolerance, and exits 0', async () => {
    const alone = await mkdtemp(join(tmpdir(), 'score-cli-'));
    await writeFile(join(alone, 'broken.csv.gz'), 'this is not gzip');
    const tolerated = await runCli('bin/score.ts', ['--model', 'breast-cancer', '--input', alone, '--output', join(alone, 'out'), '--attempts', '1', '--tolerate', '100']);
    expect(tolerated.code).toBe(0);
    expect(tolerated.stderr).toContain('warning: no row was scored; 1 of 1 chunks failed');
  });

  it('exits 2 with a message for an unknown model or a missing option', async () => {
    const unknown = await runCli('bin/score.ts', ['--model', 'nope', '--input', 'x.csv', '--output', 'out']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown model "nope"');
    const missing = await runCli('bin/score.ts', ['--model', 'breast-cancer']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe("score: required option '--input <path>' not specified\n");
  });

  it.each([
    [['--format', 'xml'], /score: option '--format <format>' argument 'xml' is invalid/],
    [['--tolerate', '150'], /score: option '--tolerate <percent>' argument '150' is invalid\. --tolerate must be a percentage from 0 to 100/],
    [['--chunk-mb', 'abc'], /--chunk-mb must be a whole number from 1 to 1048576$/m],
    [['--chunk-mb', '9007199254740993'], /--chunk-mb must be a whole number from 1 to 1048576$/m],
    [['--id', ' '], /score: option '--id <column>' argument ' ' is invalid\. --id must name a column$/m],
    [['--bogus'], /score: unknown option '--bogus'/],
    [['--output', '.'], /^score: the input .*x\.csv lies within the output .*: give the output a folder of its own$/m],
  ])('exits 2, the code of bad arguments, for %j', async (args, message) => {
    const res = await runCli('bin/score.ts', ['--model', 'breast-cancer', '--input', 'x.csv', '--output', 'out', ...args]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(message);
  });

  it.runIf(process.platform === 'linux')('exits 2 naming the output when its folder cannot be made', async () => {
    const dir = await localInput();
    const res = await runCli('bin/score.ts', ['--model', 'breast-cancer', '--input', join(dir, 'data.csv'), '--output', '/proc/no-such-output']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/^score: .*'\/proc\/no-such-output'/m);
  });

  it('keeps a row whose answer is NaN with the reason, instead of writing NaN with a label', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'score-cli-'));
    const wine = readPackage(MODELS.wineMlp);
    const names = wine.features.map((f) => f.name);
    const good = names.map((n) => wine.examples[0]!.instance[n]).join(',');
    await writeFile(join(dir, 'wine.csv'), `${names.join(',')}\n${good}\n${names.map(() => '3.4e38').join(',')}\n${good}\n`);
    const res = await runCli('bin/score.ts', ['--model', MODELS.wineMlp, '--input', join(dir, 'wine.csv'), '--output', join(dir, 'out')]);
    expect(res.stdout).toContain('succeeded: 3 rows in, 2 scored, 1 rejected');
    const [reject] = (await readFile(join(dir, 'out/rejects/part-00000.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(reject).toMatchObject({ line: 3, reasons: [NON_FINITE_ANSWER] });
    expect(await readFile(join(dir, 'out/part-00000.csv'), 'utf8')).not.toMatch(/NaN/);
  });

  it('exits 2 when the id column has the name of an output column', async () => {
    const dir = await localInput();
    const res = await runCli('bin/score.ts', ['--model', 'breast-cancer', '--input', join(dir, 'data.csv'), '--output', join(dir, 'out'), '--id', 'label']);
    expect(res.code).toBe(2);
    expect(res.stderr).toBe('score: the id column "label" has the name of an output column (label, probability, probability_benign, probability_malignant, model_version): pass another column through, or rename it in the input\n');
  });

  it('exits 2 and leaves the output as it was when it holds another run', async () => {
    const dir = await localInput();
    const args = ['--model', 'breast-cancer', '--input', join(dir, 'data.csv'), '--output', join(dir, 'out')];
    expect((await runCli('bin/score.ts', args)).code).toBe(0);
    const before = await readFile(join(dir, 'out/_manifest.json'), 'utf8');
    const res = await runCli('bin/score.ts', [...args, '--format', 'jsonl']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(`score: ${join(dir, 'out')} holds another run (its format was "csv", this run's is "jsonl")`);
    const newer = await runCli('bin/score.ts', [...args.slice(2), '--model', 'models/breast-cancer/1.1.0', '--attempts', '1']);
    expect(newer.code).toBe(2);
    expect(newer.stderr).toMatch(/chunk 0 was scored by breast-cancer 1\.0\.0, this run scores with breast-cancer 1\.1\.0/);
    expect(await readFile(join(dir, 'out/_manifest.json'), 'utf8')).toBe(before);
  });

  it('fails at once, naming the column and the input\'s columns, when --id names a column the input does not have', async () => {
    const dir = await localInput();
    const res = await runCli('bin/score.ts', ['--model', 'breast-cancer', '--input', join(dir, 'data.csv'), '--output', join(dir, 'out'), '--id', 'patient_id']);
    expect(res.code).toBe(1);
    const columns = ['id', ...FEATURES].map((n) => JSON.stringify(n));
    const message = `${join(dir, 'data.csv')}: the CSV header has no column "patient_id" (the id column); its columns are ${columns.slice(0, 30).join(', ')} and ${columns.length - 30} more`;
    expect(res.stdout).toContain('failed: 0 rows in, 0 scored, 0 rejected');
    expect(res.stdout).toContain(`chunk 0 failed: ${message}`);
    // A bad input is not retried: no attempt could read it.
    expect(res.stderr).toContain(`chunk 0 attempt 1 failed: ${message}`);
    expect(res.stderr).not.toContain('attempt 2');
  });

  it('writes Parquet output that reads back with the same rows', async () => {
    const dir = await localInput();
    const res = await runCli('bin/score.ts', ['--model', 'breast-cancer', '--input', join(dir, 'data.csv'), '--output', join(dir, 'out'), '--id', 'id', '--format', 'parquet']);
    expect(res.code).toBe(0);
    const { parquetReadObjects } = await import('hyparquet');
    const files = (await readdir(join(dir, 'out'))).filter((f) => f.endsWith('.parquet'));
    const buffer = (await readFile(join(dir, 'out', files[0]!))).buffer;
    const rows = await parquetReadObjects({ file: buffer as ArrayBuffer });
    expect(rows.map((r) => r.id)).toEqual(data.goodIds);
  });
});
