import { Random } from '../../models/build/random.ts';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, inject, it } from 'vitest';
import { runCli } from '../support/cli.ts';
import { twoVersionRegistry } from '../support/registry.ts';
import { createBucket, motoS3, S3_ENV } from '../support/s3.ts';

const dir = mkdtempSync(join(tmpdir(), 'ab-cli-'));
const ab = (args: readonly string[], env?: NodeJS.ProcessEnv) => runCli('bin/ab.ts', args, env);

/** The build's seeded generator (mulberry32), so that every run draws the same rows. */
function random(seed: number): () => number {
  const r = new Random(seed);
  return () => r.next();
}

/**
 * `rows` users split at random between the variants; each converts with its variant's rate. The first
 * user goes to the first variant, which is then the control by default.
 */
function conversions(rows: number, seed: number, rates: Record<string, number>): { variant: string; value: number }[] {
  const rand = random(seed);
  const names = Object.keys(rates);
  return Array.from({ length: rows }, (_, i) => {
    const variant = i === 0 ? names[0]! : names[Math.floor(rand() * names.length)]!;
    return { variant, value: rand() < rates[variant]! ? 1 : 0 };
  });
}

const csv = (name: string, rows: readonly { variant: string; value: number | string }[]) => {
  const path = join(dir, name);
  const quote = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  writeFileSync(path, `variant,value\n${rows.map((r) => `${quote(r.variant)},${r.value}`).join('\n')}\n`);
  return path;
};

interface Json {
  metric: string;
  variants: { name: string; n: number; mean: number; sd: number; ci: [number, number] }[];
  pValue: number;
  lift: number;
  ci: [number, number];
  significant: boolean;
  sequential: { method: string; pValue: number; ci: [number, number]; conclusive: boolean; evidence: { n: number; pValue: number; naivePValue: number }[] };
  srm: { pValue: number; expected: number[]; observed: number[]; mismatch: boolean };
  comparisons: unknown[];
}

describe('npm run ab', () => {
  it.concurrent('--json on a conversion test with a real lift: shape, control first, significant and conclusive', async () => {
    const input = csv('lift.csv', conversions(20_000, 1, { control: 0.1, treatment: 0.13 }));
    const res = await ab(['--input', input, '--json']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const out = JSON.parse(res.stdout) as Json;
    for (const key of ['variants', 'pValue', 'lift', 'ci', 'significant', 'sequential', 'srm']) expect(out).toHaveProperty(key);
    expect(out.metric).toBe('conversion');
    expect(out.variants.map((v) => v.name)).toEqual(['control', 'treatment']);
    for (const v of out.variants) expect(Object.keys(v)).toEqual(['name', 'n', 'mean', 'sd', 'ci']);
    expect(out.variants[0]!.n + out.variants[1]!.n).toBe(20_000);
    expect(out.significant).toBe(true);
    expect(out.pValue).toBeLessThan(1e-6);
    expect(out.ci[0]).toBeGreaterThan(0);
    expect(out.ci[0]).toBeLessThan(0.03);
    expect(out.ci[1]).toBeGreaterThan(0.03);
    expect(out.lift).toBeGreaterThan(0.15);
    expect(out.sequential.method).toBe('mSPRT');
    expect(out.sequential.conclusive).toBe(true);
    expect(out.sequential.evidence.length).toBe(200);
    expect(out.sequential.evidence.at(-1)!.n).toBe(20_000);
    expect(out.srm.mismatch).toBe(false);
    expect(out.srm.expected).toEqual([10_000, 10_000]);
  });

  it.concurrent('prints the table, honours --control, and flags a sample-ratio mismatch against --weights', async () => {
    const input = csv('aa.csv', conversions(10_000, 2, { a: 0.1, b: 0.1 }));
    const res = await ab(['--input', input, '--control', 'b', '--weights', 'b=90,a=10']);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^b \(control\)/m);
    expect(res.stdout).toMatch(/a vs b: two-proportion z-test/);
    expect(res.stdout).toMatch(/sample ratio: .*MISMATCH/);
    expect(res.stdout).toMatch(/not conclusive, keep running/);
  });

  it.concurrent('--metric mean reads JSON Lines ordered by --time-column, with Welch', async () => {
    const rand = random(3);
    const lines = Array.from({ length: 4_000 }, (_, i) => {
      const variant = rand() < 0.5 ? 'v1' : 'v2';
      // Exponential revenue, mean 10 (v1) or 11 (v2); written out of time order.
      const value = -Math.log(1 - rand()) * (variant === 'v1' ? 10 : 11);
      return JSON.stringify({ ts: new Date(Date.UTC(2025, 0, 1) + ((i * 7919) % 4_000) * 60_000).toISOString(), variant, value });
    });
    const input = join(dir, 'revenue.jsonl');
    writeFileSync(input, `${lines.join('\n')}\n`);
    const res = await ab(['--input', input, '--metric', 'mean', '--time-column', 'ts', '--control', 'v1', '--json']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const out = JSON.parse(res.stdout) as Json & { test: string; df: number };
    expect(out.metric).toBe('mean');
    expect(out.test).toBe("Welch's t-test");
    expect(out.df).toBeGreaterThan(3_000);
    expect(out.variants[0]!.mean).toBeGreaterThan(9);
    expect(out.variants[0]!.mean).toBeLessThan(11);
  });

  it.concurrent('reads Parquet from s3:// (moto)', async () => {
    const rows = conversions(3_000, 4, { old: 0.2, new: 0.2 });
    const buffer = parquetWriteBuffer({
      columnData: [
        { name: 'variant', type: 'STRING', data: rows.map((r) => r.variant) },
        { name: 'value', type: 'INT32', data: rows.map((r) => r.value) },
      ],
    });
    const s3 = motoS3();
    const bucket = await createBucket(s3, 'ab-cli');
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'exp/part-0.parquet', Body: new Uint8Array(buffer) }));
    const res = await ab(['--input', `s3://${bucket}/exp/`, '--json', '--endpoint-url', inject('motoEndpoint')], S3_ENV);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const out = JSON.parse(res.stdout) as Json;
    expect(out.variants.map((v) => v.n).reduce((a, b) => a + b)).toBe(3_000);
    expect(out.variants[0]!.name).toBe(rows[0]!.variant);
  });

  it.concurrent('--plan --baseline 0.10 --mde 0.01 gives the textbook 14,751 per arm', async () => {
    // n = [z₀.₉₇₅√(2p̄q̄) + z₀.₈√(p₁q₁ + p₂q₂)]²/δ² = 14,750.87 (worked in test/functions/core/experiments/tests.test.ts).
    const text = await ab(['--plan', '--baseline', '0.10', '--mde', '0.01']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^14,751 per variant \(29,502 total\) to detect 10\.00% → 11\.00%/);
    const json = await ab(['--plan', '--baseline', '0.10', '--mde', '0.01', '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ metric: 'conversion', perArm: 14_751, total: 29_502, alpha: 0.05, power: 0.8 });
    const means = await ab(['--plan', '--metric', 'mean', '--sd', '1', '--mde', '0.2', '--json']);
    expect(JSON.parse(means.stdout)).toMatchObject({ metric: 'mean', perArm: 393 });
  });

  it.concurrent('exits 2 with a clear message on bad arguments and inputs', async () => {
    const good = csv('good.csv', conversions(200, 5, { a: 0.1, b: 0.1 }));
    const cases: [string[], RegExp][] = [
      [[], /--input/],
      [['--input', good, '--alpha', '2'], /--alpha must be a number between 0 and 1/],
      [['--input', good, '--metric', 'median'], /--metric must be conversion or mean/],
      [['--input', good, '--control', 'zzz'], /no variant "zzz"/],
      [['--input', good, '--weights', '1,2,3'], /3 weights for 2 variants/],
      [['--input', join(dir, 'missing.csv')], /cannot read/],
      [['--input', csv('revenue.csv', [{ variant: 'a', value: 2.5 }, { variant: 'b', value: 1 }]), '--metric', 'conversion'], /conversion values must be 0 or 1/],
      [['--input', csv('one.csv', [{ variant: 'a', value: 1 }, { variant: 'a', value: 0 }])], /only one variant/],
      [['--plan', '--mde', '0.01'], /--baseline/],
      [['--plan', '--baseline', '0.95', '--mde', '0.1'], /MDE/],
    ];
    for (const [args, message] of cases) {
      const res = await ab(args);
      expect(res.code, args.join(' ')).toBe(2);
      expect(res.stderr, args.join(' ')).toMatch(message);
      expect(res.stdout).toBe('');
    }
  });

  it.concurrent('--report writes a self-contained page with both plots and escaped variant names', async () => {
    const input = csv('report.csv', conversions(6_000, 6, { 'old <script>alert(1)</script>': 0.1, 'new & "improved"': 0.12 }));
    const report = join(dir, 'ab.html');
    const res = await ab(['--input', input, '--report', report]);
    expect(res.code).toBe(0);
    expect(res.stderr).toMatch(/report: /);
    const html = readFileSync(report, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/\b(src|href)="(https?:)?\/\//);
    expect(html).toContain('old &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('new &amp; &quot;improved&quot;');
    expect(html.match(/<svg /g)?.length).toBe(2);
    expect(html).toContain('class="pValue"');
    expect(html).toContain('class="naivePValue"');
    expect(html).toMatch(/always-valid p-value/);
  });

  describe('promoting the winner (off by default)', () => {
    const registry = async () => {
      const { root, registry: r } = await twoVersionRegistry();
      return { root, r };
    };
    const won = () => csv('versions.csv', conversions(20_000, 9, { '1.0.0': 0.1, '1.1.0': 0.13 }));

    it('makes the sequential winner production with --promote, and says what changed', async () => {
      const { root, r } = await registry();
      const report = join(root, 'ab.html');
      const res = await ab(['--input', won(), '--model', 'breast-cancer', '--promote', '--registry', root, '--json', '--report', report]);
      expect(res.code).toBe(0);
      const html = readFileSync(report, 'utf8');
      expect(html).toContain('<dt>decision</dt><dd>1.1.0 wins: 1.1.0 is conclusively better than 1.0.0');
      expect(html).toContain('breast-cancer: production 1.0.0 -&gt; 1.1.0</dd>');
      const out = JSON.parse(res.stdout);
      expect(out.decision.winner).toBe('1.1.0');
      expect(out.promotion).toMatchObject({ promoted: true, change: { from: '1.0.0', to: '1.1.0', changed: true } });
      expect((await r.production('breast-cancer'))!.version).toBe('1.1.0');
    });

    it('only reports the decision without --promote, leaving production alone', async () => {
      const { root, r } = await registry();
      // Everything --promote would use is at hand: the model, and the registry in MODEL_REGISTRY.
      const res = await ab(['--input', won(), '--model', 'breast-cancer'], { MODEL_REGISTRY: root });
      expect(res.code).toBe(0);
      expect(res.stdout).toMatch(/\ndecision: 1\.1\.0 wins: 1\.1\.0 is conclusively better than 1\.0\.0/);
      expect(res.stdout).not.toContain('promotion:');
      expect((await r.production('breast-cancer'))!.version).toBe('1.0.0');
    });

    it('exits 2 for --promote without a model or registry, or a winner that is not a registered version', async () => {
      const { root } = await registry();
      const noModel = await ab(['--input', won(), '--promote', '--registry', root]);
      expect([noModel.code, noModel.stderr.trim()]).toEqual([2, 'ab: --promote needs --model (the variants are its versions)']);
      const noRegistry = await ab(['--input', won(), '--promote', '--model', 'breast-cancer'], { MODEL_REGISTRY: '' });
      expect(noRegistry.code).toBe(2);
      expect(noRegistry.stderr).toContain('--promote needs --registry');
      const named = csv('named.csv', conversions(20_000, 9, { control: 0.1, treatment: 0.13 }));
      const unknown = await ab(['--input', named, '--promote', '--model', 'breast-cancer', '--registry', root]);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toMatch(/^ab: cannot promote treatment of breast-cancer: breast-cancer treatment is not registered/);
    });
  });
});
