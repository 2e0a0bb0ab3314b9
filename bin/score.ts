import { availableParallelism } from 'node:os';
import { SingleBar } from 'cli-progress';
import { Command, InvalidArgumentError, Option } from 'commander';
import { JobSpec } from '../functions/core/batch/contracts.ts';
import { parse } from '../functions/shared/parse.ts';
import { runLocalJob } from '../local/batch-runner.ts';
import { parseCommandLine } from '../local/command-line.ts';
import { modelSource } from '../local/model-source.ts';

/**
 * `npm run score`: the batch job of the state machine, run here over local files or any
 * S3-compatible endpoint, with the same plan, worker and finalize code.
 */

const positiveInt = (name: string, max = Number.MAX_SAFE_INTEGER) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new InvalidArgumentError(`${name} must be a whole number from 1 to ${max}`);
  return n;
};

const columnName = (name: string) => (value: string) => {
  if (value.trim() === '') throw new InvalidArgumentError(`${name} must name a column`);
  return value;
};

/** A chunk of 1 TiB already holds any object S3 takes whole (5 TiB at most) in a few chunks. */
const MAX_CHUNK_MB = 1024 * 1024;

const percentage = (name: string) => (value: string) => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 100) throw new InvalidArgumentError(`${name} must be a percentage from 0 to 100`);
  return n;
};

const program = new Command('score')
  .description('Score a CSV, JSON Lines or Parquet input (file, folder or s3:// prefix) with a model, accounting for every row.')
  .requiredOption('--model <name>', 'model name from inference.config.ts, or a model package folder or s3:// URI')
  .requiredOption('--input <path>', 'input file, folder or s3://bucket/prefix')
  .requiredOption('--output <path>', 'output folder or s3://bucket/prefix (parts, rejects/, _manifest.json)')
  .addOption(new Option('--format <format>', 'output format').choices(['csv', 'jsonl', 'parquet']).default('csv'))
  .option('--id <column>', 'input column passed through to the output to join predictions back', columnName('--id'))
  .option('--endpoint-url <url>', 'S3-compatible endpoint for s3:// locations (MinIO, moto, LocalStack...)')
  .option('--chunk-mb <mib>', 'target chunk size of uncompressed CSV/JSON Lines, in MiB', positiveInt('--chunk-mb', MAX_CHUNK_MB), 64)
  .option('--tolerate <percent>', 'percentage of chunks that may fail with the run still succeeding', percentage('--tolerate'), 0)
  .option('--concurrency <threads>', 'scoring threads', positiveInt('--concurrency'), availableParallelism())
  .option('--attempts <n>', 'attempts per chunk', positiveInt('--attempts'), 3)
  .option('--no-progress', 'no progress bar')
  .addHelpText('after', '\nExit status: 0 when the run succeeded, 1 when it failed (see its reasons), 2 for bad arguments or an unknown model.');

parseCommandLine(program);
const opts = program.opts();

try {
  const source = await modelSource(opts.model);
  const { loadModel } = await import('../functions/core/load.ts');
  const { s3ClientFor } = await import('../functions/core/storage/location.ts');
  const { outputShape, scoreTypeOf } = await import('../functions/core/batch/output-columns.ts');
  const model = await loadModel(source, { s3: s3ClientFor(opts.endpointUrl) });
  const { pkg } = model;
  // A job the workers would refuse is a bad argument here, said before any chunk is tried.
  outputShape(pkg, opts.id, scoreTypeOf(model));
  const { name } = pkg;
  const job = parse(JobSpec, {
    model: name,
    input: opts.input,
    output: opts.output,
    format: opts.format,
    idColumn: opts.id,
    chunkBytes: opts.chunkMb * 1024 * 1024,
    toleratedFailurePercentage: opts.tolerate,
  }, 'job');
  const started = performance.now();
  let rows = 0;
  // Rows of chunks an earlier run committed: counted in, but not scored by this run.
  let earlierRows = 0;
  const bar = opts.progress && process.stderr.isTTY
    ? new SingleBar({ format: 'scoring [{bar}] {percentage}% | {rows} rows | {rate} rows/s | ETA {eta_formatted}', hideCursor: true })
    : undefined;
  const rate = () => Math.round(rows / ((performance.now() - started) / 1000));
  const { manifest, uri } = await runLocalJob({
    job,
    modelSource: source,
    endpointUrl: opts.endpointUrl,
    concurrency: opts.concurrency,
    maxAttempts: opts.attempts,
    onPlan: (plan) => {
      console.error(`planned ${plan.chunks} chunks over ${plan.objects} objects (${(plan.bytes / 1e6).toFixed(1)} MB)`);
      bar?.start(plan.bytes, 0, { rows: 0, rate: 0 });
    },
    onProgress: (n) => {
      rows += n;
      bar?.update({ rows, rate: rate() });
    },
    onChunkDone: ({ bytes, rows: chunkRows, earlier }) => {
      if (earlier) earlierRows += chunkRows;
      bar?.increment(bytes, { rows, rate: rate() });
    },
    onChunkFailed: (index, attempt, message) => console.error(`\nchunk ${index} attempt ${attempt} failed: ${message}`),
  });
  bar?.stop();
  const seconds = (performance.now() - started) / 1000;
  console.log(
    [
      `${manifest.status}: ${manifest.rowsIn} rows in, ${manifest.rowsScored} scored, ${manifest.rowsRejected} rejected` +
        ` (${manifest.chunks} chunks, ${manifest.failedChunks.length} failed) in ${seconds.toFixed(1)} s, ${Math.round((manifest.rowsIn - earlierRows) / seconds)} rows/s` +
        (earlierRows > 0 ? `; ${earlierRows} rows were committed by an earlier run` : ''),
      `model ${manifest.model ? `${manifest.model.name} ${manifest.model.version}` : job.model}`,
      `parts: ${manifest.parts.length}${manifest.rejects.length ? `, rejects: ${manifest.rejects.join(', ')}` : ''}`,
      `manifest: ${uri}`,
      ...manifest.reasons.map((r) => `reason: ${r}`),
      ...(manifest.errors ?? []).map((e) => `chunk ${e.chunk} failed: ${e.message}`),
    ].join('\n'),
  );
  // Rejecting every row is an account, not a failure; it still deserves a line of its own.
  if (manifest.rowsScored === 0 && manifest.rowsRejected > 0) console.error(`warning: no row was scored; every reason is in ${manifest.rejects.join(', ')}`);
  if (manifest.failedChunks.length > 0) {
    const failed = `${manifest.failedChunks.length} of ${manifest.chunks} chunks failed: their rows are in no count; the manifest's unscored names their input`;
    console.error(`warning: ${manifest.rowsScored === 0 && manifest.rowsRejected === 0 ? `no row was scored; ${failed}` : failed}`);
  }
  process.exitCode = manifest.status === 'succeeded' ? 0 : 1;
} catch (err) {
  console.error(`score: ${(err as Error).message}`);
  process.exitCode = 2;
}
