import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, inject, it } from 'vitest';
import { generateCsv } from '../support/batch-data.ts';
import { runCli } from '../support/cli.ts';
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

  it('exits 1 and says why when a chunk fails beyond the tolerance', async () => {
    const dir = await localInput();
    await writeFile(join(dir, 'broken.csv.gz'), 'this is not gzip');
    const res = await runCli('bin/score.ts', ['--model', 'breast-cancer', '--input', dir, '--output', join(dir, 'out'), '--attempts', '2']);
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/^failed: /);
    expect(res.stdout).toMatch(/reason: 1 of 2 chunks failed \(50\.0%\), over the tolerated 0%/);
    expect(res.stderr).toMatch(/chunk 0 attempt 2 failed: .*header/i);
  });

  it('exits 2 with a message for an unknown model or a missing option', async () => {
    const unknown = await runCli('bin/score.ts', ['--model', 'nope', '--input', 'x.csv', '--output', 'out']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown model "nope"');
    const missing = await runCli('bin/score.ts', ['--model', 'breast-cancer']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain("required option '--input <path>' not specified");
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
