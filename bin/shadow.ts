import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Command } from 'commander';
import { SHADOW_PREFIX } from '../functions/core/capture/capture-record.ts';
import { readRecords } from '../functions/core/capture/read-records.ts';
import { renderShadowReport } from '../functions/core/compare/shadow-html.ts';
import { type ShadowPairReport, shadowFigures, summarizeShadow } from '../functions/core/compare/shadow-report.ts';
import { openLocation } from '../functions/core/storage/location.ts';
import { parseCommandLine } from '../local/command-line.ts';

/**
 * `npm run shadow`: how a shadow candidate compared with the primary on live traffic, from the
 * shadow records that sampled requests leave under the capture location.
 */
const program = new Command('shadow')
  .description('Compare shadow candidates with their primaries from captured shadow records: agreement, differences, failures, scoring times, hour by hour.')
  .requiredOption('--input <path>', `the capture location (its ${SHADOW_PREFIX} records are read) or any file, folder or s3:// prefix of shadow records`)
  .option('--model <name>', 'only this model')
  .option('--candidate <version>', 'only this candidate version')
  .option('--report <file>', 'write a self-contained HTML report')
  .option('--json', 'print the comparison as JSON on stdout, nothing else')
  .option('--endpoint-url <url>', 'S3-compatible endpoint for s3:// locations')
  .addHelpText('after', '\nExit status: 0 when the comparison ran, 2 for bad arguments, unreadable inputs or no shadow records.\n\nExample:\n  npm run shadow -- --input s3://my-bucket/captures/ --model breast-cancer --report shadow.html');

const pct = (x: number | undefined) => (x === undefined ? 'n/a' : `${(100 * x).toFixed(2)}%`);
const ms = (x: number) => (Number.isFinite(x) ? `${x.toFixed(3)} ms` : 'n/a');

function summary(p: ShadowPairReport): string {
  const moves = Object.entries(p.transitions).map(([k, n]) => `  ${k}: ${n}`);
  return [
    `${p.model}: primary ${p.version}, shadow ${p.candidate}: ${p.requests} requests from ${p.from} to ${p.to}`,
    `candidate failures: ${p.errors} (${pct(p.errorRate)})${p.errorMessages.length ? `: ${p.errorMessages.join('; ')}` : ''}`,
    ...(p.comparison.agreement !== undefined ? [`label agreement: ${pct(p.comparison.agreement)} of ${p.comparison.rows} rows`] : []),
    `mean |difference|: ${p.comparison.meanAbsDiff.toPrecision(4)}, largest: ${p.comparison.maxAbsDiff.toPrecision(4)}`,
    `scoring time p50 / p99: primary ${ms(p.latencyMs.primary.p50)} / ${ms(p.latencyMs.primary.p99)}, candidate ${ms(p.latencyMs.candidate.p50)} / ${ms(p.latencyMs.candidate.p99)}`,
    ...(moves.length ? ['labels that changed:', ...moves] : []),
  ].join('\n');
}

parseCommandLine(program);
const opts = program.opts<{ input: string; model?: string; candidate?: string; report?: string; json?: boolean; endpointUrl?: string }>();

try {
  const location = openLocation(opts.input, { endpointUrl: opts.endpointUrl });
  // The capture root holds the models' own partitions too: only its shadow partitions are read.
  const under = location.key.split('/').includes(SHADOW_PREFIX.slice(0, -1)) ? '' : `${SHADOW_PREFIX}${opts.model ? `${opts.model}/` : ''}`;
  const { records } = await readRecords(location, [under]);
  const all = summarizeShadow(records);
  const pairs = all.pairs.filter((p) => (!opts.model || p.model === opts.model) && (!opts.candidate || p.candidate === opts.candidate));
  if (pairs.length === 0) throw new Error(`no shadow records${opts.model ? ` of ${opts.model}` : ''}${opts.candidate ? ` with candidate ${opts.candidate}` : ''} in ${opts.input}${all.skipped ? ` (${all.skipped} records were not shadow records)` : ''}`);
  if (opts.report) {
    await writeFile(opts.report, renderShadowReport({ pairs, skipped: all.skipped }, { input: opts.input, createdAt: new Date().toISOString() }));
    if (!opts.json) console.error(`report: ${resolve(opts.report)}`);
  }
  if (all.skipped && !opts.json) console.error(`shadow: ${all.skipped} records were not shadow records and were left out`);
  const json = () => JSON.stringify({ pairs: pairs.map(shadowFigures), skipped: all.skipped }, null, 2);
  console.log(opts.json ? json() : pairs.map(summary).join('\n\n'));
} catch (err) {
  console.error(`shadow: ${(err as Error).message}`);
  process.exitCode = 2;
}
