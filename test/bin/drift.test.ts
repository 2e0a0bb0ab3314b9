import { Random } from '../../models/build/random.ts';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, inject, it } from 'vitest';
import { DriftReport } from '../../functions/core/drift/drift-report.ts';
import { runCli } from '../support/cli.ts';
import { ROOT } from '../support/models.ts';
import { createBucket, motoS3, S3_ENV } from '../support/s3.ts';
import { SHADOW_PREFIX } from '../../functions/core/capture/capture-record.ts';
import { jsonLines, writeAt } from '../support/files.ts';

const dir = mkdtempSync(join(tmpdir(), 'drift-cli-'));

/** The first `count` shipped rows as captured requests of the default model, each feature value through `shift`. */
function capturedRequests(count: number, shift = (_name: string, v: number) => v) {
  const data = readFileSync(join(ROOT, 'models/data/breast-cancer-wisconsin.csv'), 'utf8').trim().split('\n');
  const names = data[0]!.split(',').slice(0, 30);
  return data.slice(1, count + 1).map((line, i) => {
    const values = line.split(',').map(Number);
    const features = Object.fromEntries(names.map((n, j) => [n, shift(n, values[j]!)]));
    return { requestId: `q${i}`, model: 'breast-cancer', version: '1.0.0', features, prediction: { label: 'benign' } };
  });
}
const drift = (args: readonly string[], env?: NodeJS.ProcessEnv) => runCli('bin/drift.ts', args, env);

/** The build's seeded generator (mulberry32), so that every run draws the same rows. */
function random(seed: number): () => number {
  const r = new Random(seed);
  return () => r.next();
}

function normal(rand: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

const NUMERIC = ['f0', 'f1', 'f2', 'f3', 'f4', 'f5', 'f6', 'f7', 'f8'];
const CATEGORIES = ['a', 'b', 'c', 'd'];

/**
 * `rows` rows of an id, 9 normal features (mean 10·j, SD 1 + j, so that each has its own scale) and a
 * categorical one; the features in `shifted` move by `shift` of their SD.
 */
function generate(name: string, rows: number, seed: number, shifted: readonly string[] = [], shift = 0.5): string {
  const rand = random(seed);
  const z = normal(rand);
  const lines = [['id', ...NUMERIC, 'colour'].join(',')];
  for (let i = 0; i < rows; i++) {
    const values = NUMERIC.map((f, j) => {
      const sd = 1 + j;
      return (10 * j + sd * (z() + (shifted.includes(f) ? shift : 0))).toFixed(4);
    });
    lines.push([`r${i}`, ...values, CATEGORIES[Math.floor(rand() * CATEGORIES.length)]!].join(','));
  }
  const path = join(dir, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

interface Summary {
  drift: boolean;
  features: { name: string; test: string; statistic: number; pValue: number; psi: number; drift: boolean }[];
}

const N = 5_000;
const reference = generate('a.csv', N, 1);

describe('npm run drift', () => {
  it('--reference a.csv --input b.csv --json flags exactly the 2 of 10 features shifted by 0.5 SD', async () => {
    const current = generate('b-shifted.csv', N, 2, ['f2', 'f6']);
    const res = await drift(['--reference', reference, '--input', current, '--exclude', 'id', '--json']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const summary = JSON.parse(res.stdout) as Summary;
    expect(Object.keys(summary)).toEqual(['drift', 'features']);
    expect(summary.drift).toBe(true);
    expect(summary.features).toHaveLength(10);
    for (const f of summary.features) expect(Object.keys(f)).toEqual(['name', 'test', 'statistic', 'pValue', 'psi', 'drift']);
    expect(summary.features.filter((f) => f.drift).map((f) => f.name).sort()).toEqual(['f2', 'f6']);
    expect(summary.features.find((f) => f.name === 'colour')?.test).toBe('chi-square');
    expect(summary.features.find((f) => f.name === 'f0')?.test).toBe('ks');
  });

  it('flags nothing on same-distribution data (several seeds)', async () => {
    for (const seed of [3, 4, 5]) {
      const current = generate(`b-same-${seed}.csv`, N, seed);
      const res = await drift(['--reference', reference, '--input', current, '--exclude', 'id', '--json']);
      expect(res.code).toBe(0);
      const summary = JSON.parse(res.stdout) as Summary;
      expect(summary.drift).toBe(false);
      expect(summary.features.filter((f) => f.drift)).toEqual([]);
    }
  });

  it('prints a readable table and writes the HTML report and the full JSON report', async () => {
    const current = generate('b-report.csv', N, 6, ['f1']);
    const html = join(dir, 'drift.html');
    const full = join(dir, 'drift.json');
    const res = await drift(['--reference', reference, '--input', current, '--columns', 'f0,f1,colour', '--report', html, '--save', full]);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^DRIFT: 1 of 3 features drifted \(f1\)/);
    expect(res.stdout).toMatch(/^f1\s+ks\s.*DRIFT$/m);
    expect(res.stdout).toMatch(/^colour\s+chi-square\s.*ok$/m);
    expect(res.stderr).toContain(`report: ${html}`);
    const page = readFileSync(html, 'utf8');
    expect(page.match(/<svg class="chart"/g)).toHaveLength(3);
    expect(page.indexOf('<h3>f1 ')).toBeLessThan(page.indexOf('<h3>f0 '));
    const report = DriftReport.parse(JSON.parse(readFileSync(full, 'utf8')));
    expect(report.reference).toBe(reference);
    expect(report.current).toBe(current);
    expect(report.rows).toBe(N);
  });

  it('--model breast-cancer on the shipped data rows finds no drift', async () => {
    const data = join(ROOT, 'models/data/breast-cancer-wisconsin.csv');
    const res = await drift(['--model', 'breast-cancer', '--input', data, '--json']);
    expect(res.code).toBe(0);
    const summary = JSON.parse(res.stdout) as Summary;
    expect(summary.drift).toBe(false);
    expect(summary.features).toHaveLength(30);
  });

  it('--model reads captured request records (JSON Lines, gzip) with --field, and sees a shift in them', async () => {
    const records = capturedRequests(569, (name, v) => (name === 'mean_texture' ? v * 1.5 : v)).map((r) => JSON.stringify({ ts: '2025-01-01T00:00:00Z', ...r }));
    const capture = join(dir, 'capture.jsonl.gz');
    writeFileSync(capture, gzipSync(`${records.join('\n')}\n`));
    const res = await drift(['--model', join(ROOT, 'models/breast-cancer/1.0.0'), '--input', capture, '--field', 'features', '--json']);
    expect(res.code).toBe(0);
    const summary = JSON.parse(res.stdout) as Summary;
    expect(summary.features.filter((f) => f.drift).map((f) => f.name)).toEqual(['mean_texture']);
  });

  it('--field features reads a capture root, without taking the shadow records under its _shadow/ for unparseable lines', async () => {
    const root = mkdtempSync(join(dir, 'captures-'));
    const put = (path: string, lines: readonly object[]) => writeAt(root, path, jsonLines(lines));
    const requests = capturedRequests(200).map((r) => ({ ...r, index: 0 }));
    put('breast-cancer/1.0.0/dt=2026-11-23/hr=17/1-a.jsonl', requests);
    put(`${SHADOW_PREFIX}breast-cancer/1.0.0/1.1.0/dt=2026-11-23/hr=17/1-b.jsonl`, requests.map(({ requestId, model, version }) => ({ requestId, model, version, candidate: '1.1.0', rows: 1, predictions: [{ label: 'benign' }] })));
    const res = await drift(['--model', join(ROOT, 'models/breast-cancer/1.0.0'), '--input', root, '--field', 'features']);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(`current:   ${root} (200 rows)`);
    expect(res.stderr).not.toContain('could not be parsed');
  });

  it('reads s3:// inputs from an S3-compatible endpoint (moto)', async () => {
    const s3 = motoS3();
    const bucket = await createBucket(s3, 'drift-cli');
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'ref/a.csv', Body: readFileSync(reference) }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'cur/b.csv', Body: readFileSync(generate('b-s3.csv', N, 7, ['f4'])) }));
    const res = await drift(['--reference', `s3://${bucket}/ref/`, '--input', `s3://${bucket}/cur/`, '--exclude', 'id', '--json', '--endpoint-url', inject('motoEndpoint')], S3_ENV);
    expect(res.code).toBe(0);
    expect((JSON.parse(res.stdout) as Summary).features.filter((f) => f.drift).map((f) => f.name)).toEqual(['f4']);
  });

  it('exits 2 with a clear message for bad arguments and unreadable inputs', async () => {
    const cases: [string[], RegExp][] = [
      [['--input', reference], /exactly one of --model NAME or --reference FILE/],
      [['--model', 'breast-cancer', '--reference', reference, '--input', reference], /exactly one of/],
      [['--reference', reference], /required option '--input/],
      [['--reference', reference, '--input', reference, '--bogus'], /unknown option '--bogus'/],
      [['--model', 'nope', '--input', reference], /unknown model "nope": inference.config.ts serves breast-cancer/],
      [['--model', join(dir, 'no-such-package'), '--input', reference], /cannot read .*model.json/],
      [['--model', 'breast-cancer', '--input', join(dir, 'missing.csv')], /cannot read input .*no input objects/],
      [['--model', 'breast-cancer', '--input', reference], /input .* has no column "mean_radius"/],
      [['--reference', reference, '--input', join(dir, 'notes.txt')], /cannot tell the format/],
      [['--reference', reference, '--input', reference, '--columns', 'f0,nope'], /has no column "nope"/],
      [['--reference', reference, '--input', reference, '--alpha', '2'], /--alpha must be a number between 0 and 1/],
      [['--model', 'breast-cancer', '--input', reference, '--exclude', 'id'], /--columns and --exclude apply to --reference/],
    ];
    writeFileSync(join(dir, 'notes.txt'), 'hello\n');
    for (const [args, message] of cases) {
      const res = await drift(args);
      expect({ args, code: res.code }).toEqual({ args, code: 2 });
      expect(res.stderr).toMatch(message);
      expect(res.stdout).toBe('');
    }
  });

  it('says in --help that finding drift is not an error', async () => {
    const res = await drift(['--help']);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/Exit status: 0 when the comparison ran, whether or not drift was found/);
  });
});
