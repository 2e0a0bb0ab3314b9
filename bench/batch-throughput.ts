import { type ChildProcess, spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { parsePackage } from '../functions/core/package-file.ts';
import { DEFAULT_WORKER_MEMORY_MB, workerHeapLimitMb } from '../lib/batch-scoring.ts';
import { featureRows, writeCsv, writeParquet } from './batch-data.ts';
import { freePort, ROOT, runWorker, tsx } from './child.ts';
import { int, mark, mb, type Section } from './stats.ts';
import type { BatchRun, Mode } from './workers/batch.ts';

const E2E_OF_PARSE = 0.5;
const PARQUET_OVER_CSV = 3;
const PEAK_LIMIT = 512e6;
const BUCKET = 'bench-batch';
const FORMATS = ['csv', 'parquet'] as const;
type Format = (typeof FORMATS)[number];

interface Moto {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** moto server on 127.0.0.1, as the tests start it (test/setup/moto-server.ts), in its own process. */
async function startMoto(): Promise<Moto> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn(process.env.MOTO_PYTHON ?? 'python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const stop = () => stopChild(child);
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    try {
      if ((await fetch(`${endpoint}/moto-api/data.json`)).ok) return { endpoint, stop };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error(`cannot start moto server (python3 -m moto.server) on ${endpoint}\n${stderr}`);
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

const rate = (r: { rows: number; seconds: number }) => r.rows / r.seconds;
const perSecond = (v: number) => `${int(v)} rows/s`;

/**
 * Batch scoring throughput for `rows` rows of the default model's features (the shipped rows,
 * cycled), as one CSV object and one Parquet object in moto S3: parse only, parse + validate, the
 * end-to-end worker (scoreChunk over every chunk in one thread) writing the input's format, with
 * the whole job (plan and finalize too) beside it, and Parquet writing CSV; raw inference on preloaded buffers, the output side alone (a part
 * of already scored rows in each format), and end to end over the same Parquet rows in a single
 * row group (for memory), each the best of `attempts` fresh processes. Parse only is also measured
 * from a local file, to tell the reader's cost from moto's, and beside the worker in one process, so
 * that a process that runs slow throughout weighs on both sides of the ratio.
 */
export async function batchThroughput(modelDir: string, rows: number, attempts = 2): Promise<Section> {
  const pkg = parsePackage(await readFile(join(ROOT, modelDir, 'model.json'), 'utf8'), modelDir);
  const dir = await mkdtemp(join(tmpdir(), 'bench-batch-'));
  const rowGroupRows = Math.min(100_000, Math.ceil(rows / 10));
  let moto: Moto | undefined;
  try {
    const { names, text, numbers } = await featureRows(pkg);
    const files: Record<Format, string> = { csv: join(dir, 'features.csv'), parquet: join(dir, 'features.parquet') };
    // The same rows in one row group: memory must follow Parquet's pages, not its row groups.
    const oneGroup = join(dir, 'one-group.parquet');
    const generating = performance.now();
    await writeCsv(files.csv, names, text, rows);
    writeParquet(files.parquet, names, numbers, rows, rowGroupRows);
    writeParquet(oneGroup, names, numbers, rows, rows);
    const sizes = { csv: (await stat(files.csv)).size, parquet: (await stat(files.parquet)).size };
    const generated = (performance.now() - generating) / 1000;

    moto = await startMoto();
    const credentials = { accessKeyId: 'bench', secretAccessKey: 'bench' };
    const s3 = new S3Client({ endpoint: moto.endpoint, region: 'us-east-1', forcePathStyle: true, credentials, requestChecksumCalculation: 'WHEN_REQUIRED' });
    const uploading = performance.now();
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    for (const f of FORMATS) {
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `in/${f}/features.${f}`, Body: createReadStream(files[f]), ContentLength: sizes[f] }));
    }
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'in/one-group/features.parquet', Body: createReadStream(oneGroup), ContentLength: (await stat(oneGroup)).size }));
    s3.destroy();
    const uploaded = (performance.now() - uploading) / 1000;

    const env = {
      AWS_ENDPOINT_URL_S3: moto.endpoint,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_REGION: 'us-east-1',
      AWS_EC2_METADATA_DISABLED: 'true',
      POWERTOOLS_DEV: 'false',
    };
    // BENCH_BATCH_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' profiles every worker (one .cpuprofile each, named by pid).
    // Every worker runs with the heap limit of the deployed worker function at its default memory.
    const heapLimit = `--max-old-space-size=${workerHeapLimitMb(DEFAULT_WORKER_MEMORY_MB)}`;
    const nodeArgs = [heapLimit, ...(process.env.BENCH_BATCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [])];
    const run = (mode: Mode, input: string, output = '-', format: Format = 'csv', ...more: string[]) =>
      runWorker<BatchRun>([...nodeArgs, ...tsx('bench/workers/batch.ts', mode, modelDir, input, output, String(rows), format, ...more)], env, { quiet: true });
    const s3In = (f: Format) => `s3://${BUCKET}/in/${f}/`;
    type Step = 'local' | 'parse' | 'validate' | 'e2e';
    // Best of `attempts` (each in a fresh process): on a 2-core machine a neighbour's burst otherwise decides the figure.
    // Peak RSS is the highest of the attempts. A rerun of e2e writes a fresh output prefix (a committed one would be skipped).
    const fastest = (runs: BatchRun[]): BatchRun => ({ ...runs.reduce((a, b) => (b.seconds < a.seconds ? b : a)), peakRss: Math.max(...runs.map((x) => x.peakRss)) });
    const best = async (attempt: (i: number) => Promise<BatchRun>): Promise<BatchRun> => {
      const runs: BatchRun[] = [];
      for (let i = 0; i < attempts; i++) runs.push(await attempt(i));
      return fastest(runs);
    };
    // The steps of a ratio alternate attempt by attempt, and the formats within each: this machine's speed drifts by
    // a fifth over minutes, and a drift between parse only and end to end would otherwise decide the ratio.
    // Each job writes its input's format, as a pipeline keeping its data in one format would.
    const steps: Record<Step, (f: Format, i: number) => Promise<BatchRun>> = {
      local: (f) => run('parse', files[f]),
      parse: (f) => run('parse', s3In(f)),
      validate: (f) => run('validate', s3In(f)),
      e2e: (f, i) => run('e2e', s3In(f), `s3://${BUCKET}/out/${f}-${i}/`, f),
    };
    const runs = Object.fromEntries(FORMATS.map((f) => [f, { local: [] as BatchRun[], parse: [] as BatchRun[], validate: [] as BatchRun[], e2e: [] as BatchRun[] }])) as Record<Format, Record<Step, BatchRun[]>>;
    for (let i = 0; i < attempts; i++) for (const f of FORMATS) for (const step of Object.keys(steps) as Step[]) runs[f][step].push(await steps[step](f, i));
    const measured = Object.fromEntries(FORMATS.map((f) => [f, Object.fromEntries(Object.entries(runs[f]).map(([step, r]) => [step, fastest(r)]))])) as Record<Format, Record<Step, BatchRun>>;
    // Both sides of the ratio in one process, one after the other: some processes here run slower
    // throughout, from start to exit, and such a process slows both. The second to run finds the
    // reader compiled, so each attempt runs both orders and takes the geometric mean of the two.
    const paired = { csv: [] as number[], parquet: [] as number[] };
    for (let i = 0; i < attempts; i++) {
      for (const f of FORMATS) {
        const ratios: number[] = [];
        for (const order of ['parse-first', 'worker-first']) {
          const pair = await run('paired', s3In(f), `s3://${BUCKET}/out/paired-${f}-${i}-${order}/`, f, order);
          ratios.push(pair.parseSeconds! / pair.seconds);
        }
        paired[f].push(Math.sqrt(ratios[0]! * ratios[1]!));
      }
    }
    const crossed = await best((i) => run('e2e', s3In('parquet'), `s3://${BUCKET}/out/parquet-csv-${i}/`, 'csv'));
    const single = await best((i) => run('e2e', `s3://${BUCKET}/in/one-group/`, `s3://${BUCKET}/out/one-group-${i}/`, 'parquet'));
    const inference = await best(() => run('infer', '-'));
    const output = {} as Record<Format, BatchRun>;
    const upload = {} as Record<Format, BatchRun>;
    for (const f of FORMATS) output[f] = await best((i) => run('write', '-', `s3://${BUCKET}/out/write-${f}-${i}/`, f));
    for (const f of FORMATS) upload[f] = await best((i) => run('upload', '-', `s3://${BUCKET}/out/upload-${f}-${i}/`, f));

    const problems: string[] = [];
    for (const f of FORMATS) {
      for (const [step, r] of Object.entries(measured[f])) if (r.rows !== rows) problems.push(`${f} ${step}: ${r.rows} rows, expected ${rows}`);
      const m = measured[f].e2e.manifest;
      if (m?.status !== 'succeeded' || m.rowsScored !== rows) problems.push(`${f} end to end: manifest ${m?.status}, ${m?.rowsScored} scored of ${rows}: ${m?.reasons.join('; ')}`);
    }
    for (const [what, run] of [['one row group', single], ['Parquet to CSV', crossed]] as const) {
      if (run.manifest?.status !== 'succeeded' || run.manifest.rowsScored !== rows) problems.push(`${what} end to end: manifest ${run.manifest?.status}, ${run.manifest?.rowsScored} scored of ${rows}`);
    }
    if (problems.length) throw new Error(`batch bench: wrong counts:\n${problems.join('\n')}`);

    const r = (f: Format, step: keyof (typeof measured)[Format]) => rate(measured[f][step]);
    const share = (f: Format) => r(f, 'e2e') / r(f, 'parse');
    const speedup = r('parquet', 'e2e') / r('csv', 'e2e');
    const jobRate = (f: Format) => rows / measured[f].e2e.jobSeconds!;
    const peak = Math.max(measured.csv.e2e.peakRss, measured.parquet.e2e.peakRss, single.peakRss);
    // Reading and writing done one after the other, with nothing else: what end to end comes to if nothing overlaps.
    const serial = (f: Format) => 1 / (1 / r(f, 'parse') + 1 / rate(output[f]));

    const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
    const pairedText = (ratios: number[]) => {
      const sorted = [...ratios].sort((a, b) => a - b);
      return `${pct(sorted[Math.floor(sorted.length / 2)]!)} (${pct(sorted[0]!)}–${pct(sorted.at(-1)!)})`;
    };
    const cell = (v: string) => v.padStart(20);
    const row = (label: string, csv: string, parquet: string, note = '') => `${label.padEnd(36)}${cell(csv)}${cell(parquet)}${note ? `   ${note}` : ''}`;
    const rateRow = (label: string, step: keyof (typeof measured)[Format], note = '') => {
      const of = (f: Format) => `${perSecond(r(f, step))}`;
      return row(label, of('csv'), of('parquet'), note);
    };
    const secs = (f: Format, step: keyof (typeof measured)[Format]) => `${measured[f][step].seconds.toFixed(1)} s`;
    const checks = [
      ...FORMATS.map((f) => {
        const pass = share(f) >= E2E_OF_PARSE;
        return { what: `batch ${f}: end-to-end worker / parse only`, measured: `${(share(f) * 100).toFixed(0)}% (${perSecond(r(f, 'e2e'))} / ${perSecond(r(f, 'parse'))})`, target: `≥ ${E2E_OF_PARSE * 100}%`, pass };
      }),
      { what: 'batch end to end: Parquet / CSV', measured: `${speedup.toFixed(2)}×`, target: `≥ ${PARQUET_OVER_CSV}×`, pass: speedup >= PARQUET_OVER_CSV },
      {
        what: 'batch worker peak RSS',
        measured: `${mb(peak)} (csv ${mb(measured.csv.e2e.peakRss)}, parquet ${mb(measured.parquet.e2e.peakRss)}, parquet in one row group ${mb(single.peakRss)})`,
        target: `≤ ${mb(PEAK_LIMIT)}`,
        pass: peak <= PEAK_LIMIT,
      },
    ];
    return {
      title: `6. batch throughput: ${int(rows)} rows of ${pkg.name}'s ${names.length} features (the shipped ${text.length} rows cycled), one CSV and one Parquet object in moto S3, ${attempts === 1 ? "one fresh process" : `best of ${attempts} fresh processes`} per figure`,
      lines: [
        row('', 'CSV', 'Parquet'),
        row('object size', mb(sizes.csv), mb(sizes.parquet), `Parquet: snappy, row groups of ${int(rowGroupRows)} rows`),
        row('chunks (default 64 MiB target)', String(measured.csv.e2e.chunks), String(measured.parquet.e2e.chunks)),
        rateRow('parse only, local file', 'local', "(information: the reader's own cost, no moto)"),
        rateRow('parse only, moto S3', 'parse'),
        rateRow('parse + validate, moto S3', 'validate'),
        rateRow('end-to-end worker, moto S3', 'e2e', "(scoreChunk over every chunk in one thread: read, check, score, write the part, commit; output in the input's format)"),
        row('  wall time end to end', secs('csv', 'e2e'), secs('parquet', 'e2e')),
        row('  the whole job', perSecond(jobRate('csv')), perSecond(jobRate('parquet')), `(information: plan + the worker + finalize, ${measured.csv.e2e.jobSeconds!.toFixed(1)} s / ${measured.parquet.e2e.jobSeconds!.toFixed(2)} s; plan and finalize run once per job, whatever its number of workers)`),
        row('  end to end / parse only', `${(share('csv') * 100).toFixed(0)}%`, `${(share('parquet') * 100).toFixed(0)}%`, `(target ≥ ${E2E_OF_PARSE * 100}%) ${mark(checks[0]!.pass)} ${mark(checks[1]!.pass)}`),
        row('    the two in one process', pairedText(paired.csv), pairedText(paired.parquet), `(information: parse only and the worker in one fresh process, in each order, the geometric mean of the two; median of ${attempts} such pairs, lowest–highest)`),
        row('  Parquet in, CSV out', '', perSecond(rate(crossed)), `(information: the same job writing CSV, ${(rate(crossed) / r('parquet', 'parse') * 100).toFixed(0)}% of parse only)`),
        row('raw inference, preloaded buffers', perSecond(rate(inference)), '(same)', `(session.run of the head output over ${int(inference.chunks)} Float32Array batches in memory, as a worker asks: the ceiling)`),
        row('output only, moto S3', perSecond(rate(output.csv)), perSecond(rate(output.parquet)), '(rows scored before the clock starts; output columns, encoding and the upload of the part)'),
        row('  of which the upload alone', perSecond(rate(upload.csv)), perSecond(rate(upload.parquet)), `(the parts' ${mb(upload.csv.bytes ?? 0)} / ${mb(upload.parquet.bytes ?? 0)} made before the clock starts: moto's own cost, multipart completion included)`),
        row('  parse only + output only, added', perSecond(serial('csv')), perSecond(serial('parquet')), `(${(serial('csv') / r('csv', 'parse') * 100).toFixed(0)}% / ${(serial('parquet') / r('parquet', 'parse') * 100).toFixed(0)}% of parse only: end to end with nothing overlapped)`),
        row('worker peak RSS (VmHWM)', mb(measured.csv.e2e.peakRss), mb(measured.parquet.e2e.peakRss), `(budget ≤ ${mb(PEAK_LIMIT)}; ${heapLimit}, as the worker function at ${DEFAULT_WORKER_MEMORY_MB} MB) ${mark(checks[3]!.pass)}`),
        row('  Parquet in one row group of all rows', '', `${perSecond(rate(single))}, ${mb(single.peakRss)}`, '(end to end, peak RSS: read a page at a time, not a row group)'),
        `Parquet end to end ${speedup.toFixed(2)}× CSV (target ≥ ${PARQUET_OVER_CSV}×) ${mark(checks[2]!.pass)}`,
        `setup (not measured): files generated in ${generated.toFixed(1)} s, uploaded to moto in ${uploaded.toFixed(1)} s`,
      ],
      checks,
      figures: {
        rows,
        rowGroupRows,
        bytes: sizes,
        rowsPerSecond: Object.fromEntries(FORMATS.map((f) => [f, Object.fromEntries(Object.entries(measured[f]).map(([k, v]) => [k, rate(v)]))])),
        inferenceRowsPerSecond: rate(inference),
        outputRowsPerSecond: { csv: rate(output.csv), parquet: rate(output.parquet) },
        uploadRowsPerSecond: { csv: rate(upload.csv), parquet: rate(upload.parquet) },
        jobRowsPerSecond: { csv: jobRate('csv'), parquet: jobRate('parquet') },
        parquetToCsvRowsPerSecond: rate(crossed),
        e2eOverParse: { csv: share('csv'), parquet: share('parquet') },
        parquetOverCsv: speedup,
        oneRowGroup: { rowsPerSecond: rate(single), peakRss: single.peakRss },
        raw: { ...measured, single, crossed, inference, output, upload },
      },
    };
  } finally {
    await moto?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
