import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { SingleBar } from 'cli-progress';
import { Command, InvalidArgumentError } from 'commander';
import type { DriftReport } from '../functions/core/drift/drift-report.ts';
import type { ColumnsRead, FeatureSpec, InputPlan } from '../functions/core/drift/read-columns.ts';
import type { ModelPackage } from '../functions/core/model-package.ts';
import { modelSource } from '../local/model-source.ts';
import { parseCommandLine } from '../local/command-line.ts';

/**
 * `npm run drift`: the drift job's report, computed here over local files or any S3-compatible
 * endpoint: an input against a model's training baseline (`--model`), or against a reference input
 * (`--reference`), with the same readers and statistics.
 */

/** Inputs smaller than this get no progress bar: they are read before one would be seen. */
const PROGRESS_MIN_BYTES = 4 * 1024 * 1024;

/** Byte-range chunks of uncompressed CSV/JSON Lines (gzip objects are read whole, Parquet by row groups). */
const PROGRESS_CHUNK_BYTES = 4 * 1024 * 1024;

/** A problem with the arguments or the inputs: exit status 2, with the message. */
class UsageError extends Error {}

const list = (value: string): string[] =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

const probability = (name: string) => (value: string) => {
  const n = Number(value);
  if (!(n > 0 && n < 1)) throw new InvalidArgumentError(`${name} must be a number between 0 and 1`);
  return n;
};

const nonNegative = (name: string) => (value: string) => {
  const n = Number(value);
  if (!(n >= 0) || value.trim() === '') throw new InvalidArgumentError(`${name} must be a non-negative number`);
  return n;
};

const program = new Command('drift')
  .description(
    'Compare an input (CSV, JSON Lines, Parquet, gzip; a file, folder or s3:// prefix) with a model\'s training baseline (--model) ' +
      'or with a reference input (--reference): KS test and PSI for numeric features, chi-square and PSI for categorical ones, ' +
      'Benjamini-Hochberg across features, drift only when significant AND over an effect-size threshold.',
  )
  .option('--model <name>', 'model name from inference.config.ts, or a model package folder or s3:// URI (baseline and features from its model.json)')
  .option('--reference <path>', 'reference input file, folder or s3:// prefix, compared directly (features: its columns)')
  .requiredOption('--input <path>', 'current input: file, folder or s3://bucket/prefix')
  .option('--report <file>', 'write the report as a self-contained HTML page with plots')
  .option('--json', 'print {"drift": bool, "features": [{name, test, statistic, pValue, psi, drift}]} on stdout, nothing else')
  .option('--save <file>', 'write the full drift report (JSON, as the drift job stores it)')
  .option('--field <name>', 'take the features from this object field of each record (captured requests: features)')
  .option('--columns <names>', 'with --reference: compare only these comma-separated columns', list)
  .option('--exclude <names>', 'with --reference: leave out these comma-separated columns (ids, targets...)', list)
  .option('--alpha <p>', 'significance level after Benjamini-Hochberg correction (default 0.05)', probability('--alpha'))
  .option('--psi-threshold <psi>', 'PSI at or over which a significant shift counts as drift (default 0.1)', nonNegative('--psi-threshold'))
  .option('--ks-threshold <d>', 'KS distance D at or over which a significant numeric shift counts as drift (default 0.05)', probability('--ks-threshold'))
  .option('--endpoint-url <url>', 'S3-compatible endpoint for s3:// locations (MinIO, moto, LocalStack...)')
  .option('--no-progress', 'no progress bar')
  .addHelpText(
    'after',
    '\nExit status: 0 when the comparison ran, whether or not drift was found (read "drift" in the output);\n' +
      '2 for bad arguments or inputs that cannot be read.\n\n' +
      'Examples:\n' +
      '  npm run drift -- --model breast-cancer --input models/data/breast-cancer-wisconsin.csv --report drift.html\n' +
      '  npm run drift -- --reference train.parquet --input s3://bucket/batch/ --exclude id,label --json\n' +
      '  npm run drift -- --model breast-cancer --input s3://bucket/captures/breast-cancer/1.0.0/dt=2026-11-23/ --field features',
  );

interface Options {
  model?: string;
  reference?: string;
  input: string;
  report?: string;
  json?: boolean;
  save?: string;
  field?: string;
  columns?: string[];
  exclude?: string[];
  endpointUrl?: string;
  alpha?: number;
  psiThreshold?: number;
  ksThreshold?: number;
  progress: boolean;
}

parseCommandLine(program);
const opts = program.opts<Options>();

async function readPackage(source: string): Promise<ModelPackage> {
  const { openLocation, joinKey } = await import('../functions/core/storage/location.ts');
  const { parsePackage } = await import('../functions/core/package-file.ts');
  const { store, key } = openLocation(source, { endpointUrl: opts.endpointUrl });
  let text: string;
  try {
    text = Buffer.from(await store.readBytes(joinKey(key, 'model.json'))).toString('utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${store.uri(joinKey(key, 'model.json'))}: ${(err as Error).message}`);
  }
  try {
    return parsePackage(text, source);
  } catch (err) {
    throw new UsageError(`${source}: ${(err as Error).message}`);
  }
}

const select = opts.field
  ? (values: Record<string, unknown>) => {
      const nested = values[opts.field!];
      if (typeof nested !== 'object' || nested === null || Array.isArray(nested)) throw new Error(`no object "${opts.field}"`);
      return nested as Record<string, unknown>;
    }
  : undefined;

const interactive = opts.progress && process.stderr.isTTY === true;

/** Reads one side with a progress bar on a terminal when it is large. */
async function read(what: string, uri: string, features: readonly FeatureSpec[]): Promise<ColumnsRead> {
  const { readColumns } = await import('../functions/core/drift/read-columns.ts');
  let bar: SingleBar | undefined;
  let rows = 0;
  const started = performance.now();
  try {
    const columns = await readColumns(uri, features, {
      endpointUrl: opts.endpointUrl,
      select,
      // Chunks are read one after the other: small ones move the progress bar often, at one ranged read each.
      chunkBytes: PROGRESS_CHUNK_BYTES,
      onPlan: (plan: InputPlan) => {
        if (!interactive || plan.bytes < PROGRESS_MIN_BYTES) return;
        bar = new SingleBar({ format: `reading ${what} [{bar}] {percentage}% | {rows} rows | {rate} rows/s | ETA {eta_formatted}`, hideCursor: true });
        bar.start(plan.bytes, 0, { rows: 0, rate: 0 });
      },
      onRows: (n) => {
        rows += n;
        bar?.update({ rows, rate: Math.round(rows / Math.max(1e-3, (performance.now() - started) / 1000)) });
      },
      onChunkDone: (bytes) => bar?.increment(bytes),
    });
    bar?.stop();
    return columns;
  } catch (err) {
    bar?.stop();
    throw new UsageError(`cannot read ${what} ${uri}: ${(err as Error).message}`);
  }
}

/** Stops with a clear message when an input carried none of some feature, or no rows; warns about unusable values. */
function check(what: string, uri: string, columns: ColumnsRead): void {
  if (columns.rows === 0) {
    throw new UsageError(`${what} ${uri} has no rows${columns.rejectedRows ? ` (${columns.rejectedRows} lines could not be parsed${opts.field ? ` or had no "${opts.field}" object` : ''})` : ''}`);
  }
  if (columns.absent.length > 0) {
    const names = columns.absent.map((n) => `"${n}"`).join(', ');
    throw new UsageError(`${what} ${uri} has no column ${names}${opts.field ? ` under "${opts.field}"` : ''}`);
  }
  if (columns.rejectedRows > 0) console.error(`${what}: ${columns.rejectedRows} of ${columns.rows + columns.rejectedRows} lines could not be parsed and were left out`);
  for (const [name, c] of columns.counts) {
    if (c.invalid > 0) console.error(`${what}: "${name}": ${c.invalid} values are not ${features.find((f) => f.name === name)?.type === 'numeric' ? 'numbers' : 'categories'} (counted as missing)`);
  }
}

let features: FeatureSpec[] = [];

function table(report: DriftReport): string {
  const rows = report.features.map((f) => [
    f.name,
    f.test,
    f.statistic.toPrecision(3),
    f.pValue < 1e-4 ? f.pValue.toExponential(1) : f.pValue.toPrecision(3),
    f.adjustedPValue < 1e-4 ? f.adjustedPValue.toExponential(1) : f.adjustedPValue.toPrecision(3),
    f.psi.toPrecision(3),
    f.drift ? 'DRIFT' : 'ok',
  ]);
  const head = ['feature', 'test', 'statistic', 'p-value', 'adjusted p', 'PSI', 'decision'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  const drifted = report.features.filter((f) => f.drift);
  return [
    report.drift ? `DRIFT: ${drifted.length} of ${report.features.length} features drifted (${drifted.map((f) => f.name).join(', ')})` : `no drift in ${report.features.length} features`,
    `reference: ${report.reference}`,
    `current:   ${report.current} (${report.rows} rows)`,
    `settings:  alpha ${report.settings.alpha} (${report.settings.correction}), PSI threshold ${report.settings.psiThreshold}, KS threshold ${report.settings.ksThreshold}`,
    '',
    line(head),
    ...rows.map(line),
    ...(report.prediction ? ['', `prediction: ${report.prediction.drift ? 'DRIFT' : 'ok'} (${report.prediction.reason})`] : []),
    ...drifted.map((f) => `${f.name}: ${f.reason}`),
  ].join('\n');
}

try {
  if ((opts.model === undefined) === (opts.reference === undefined)) throw new UsageError('give exactly one of --model NAME or --reference FILE (see --help)');
  if (opts.model !== undefined && (opts.columns || opts.exclude)) throw new UsageError('--columns and --exclude apply to --reference (a model names its features)');
  const detect = await import('../functions/core/drift/detect.ts');
  const settings = {
    ...(opts.alpha !== undefined && { alpha: opts.alpha }),
    ...(opts.psiThreshold !== undefined && { psiThreshold: opts.psiThreshold }),
    ...(opts.ksThreshold !== undefined && { ksThreshold: opts.ksThreshold }),
  };
  let report: DriftReport;
  if (opts.model !== undefined) {
    const source = await modelSource(opts.model);
    const pkg = await readPackage(source);
    features = pkg.features.map((f) => ({ name: f.name, type: f.type }));
    const current = await read('input', opts.input, features);
    check('input', opts.input, current);
    report = detect.driftAgainstBaseline(pkg, current, {
      ...settings,
      reference: `training baseline of ${pkg.name} ${pkg.version} (${pkg.baseline.rows} rows, ${source})`,
      current: opts.input,
    });
  } else {
    const referenceUri = opts.reference!;
    const { inferFeatures } = await import('../functions/core/drift/read-columns.ts');
    let inferred: FeatureSpec[];
    try {
      inferred = await inferFeatures(referenceUri, { endpointUrl: opts.endpointUrl, select });
    } catch (err) {
      throw new UsageError(`cannot read reference ${referenceUri}: ${(err as Error).message}`);
    }
    if (opts.columns) {
      const unknown = opts.columns.filter((c) => !inferred.some((f) => f.name === c));
      if (unknown.length) throw new UsageError(`reference ${referenceUri} has no column ${unknown.map((c) => `"${c}"`).join(', ')} (it has ${inferred.map((f) => f.name).join(', ')})`);
      inferred = opts.columns.map((c) => inferred.find((f) => f.name === c)!);
    }
    const excluded = new Set(opts.exclude ?? []);
    features = inferred.filter((f) => !excluded.has(f.name));
    if (features.length === 0) throw new UsageError(`no columns left to compare in ${referenceUri}`);
    const reference = await read('reference', referenceUri, features);
    check('reference', referenceUri, reference);
    const current = await read('input', opts.input, features);
    check('input', opts.input, current);
    report = detect.driftBetween(reference, current, features, { ...settings, reference: referenceUri, current: opts.input });
  }

  if (opts.report) {
    const { renderDriftReport } = await import('../functions/core/drift/html-report.ts');
    await writeFile(opts.report, renderDriftReport(report));
    if (!opts.json) console.error(`report: ${resolve(opts.report)}`);
  }
  if (opts.save) await writeFile(opts.save, `${JSON.stringify(report, null, 2)}\n`);
  if (opts.json) {
    const summary = {
      drift: report.drift,
      features: report.features.map((f) => ({ name: f.name, test: f.test, statistic: f.statistic, pValue: f.pValue, psi: f.psi, drift: f.drift })),
    };
    console.log(JSON.stringify(summary, null, 2));
  } else {
    console.log(table(report));
  }
  process.exitCode = 0;
} catch (err) {
  console.error(`drift: ${(err as Error).message}`);
  process.exitCode = 2;
}
