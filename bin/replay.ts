import { writeFile } from 'node:fs/promises';
import { Command } from 'commander';
import { readRecords } from '../functions/core/capture/read-records.ts';
import { replay, type ReplayReport } from '../functions/core/compare/replay.ts';
import { loadModel } from '../functions/core/load.ts';
import { openLocation, s3ClientFor } from '../functions/core/storage/location.ts';
import { modelSource, versionSource } from '../local/model-source.ts';
import { parseCommandLine } from '../local/command-line.ts';

/**
 * `npm run replay`: captured traffic scored by the current and the candidate version of a model,
 * and how their answers differ, before the candidate takes any live request.
 */
const program = new Command('replay')
  .description('Score captured requests (JSON Lines capture records, or plain JSON Lines instances) with the current and a candidate version, and compare.')
  .requiredOption('--model <name>', 'model name from inference.config.ts (its served version is the current one), or a package folder')
  .requiredOption('--candidate <version>', 'candidate version (models/<name>/<version>), or a package folder or s3:// URI')
  .requiredOption('--input <path>', 'captured data: a file, folder or s3:// prefix of .jsonl records')
  .option('--report <file>', 'write the comparison as JSON')
  .option('--json', 'print the comparison as JSON on stdout, nothing else')
  .option('--endpoint-url <url>', 'S3-compatible endpoint for s3:// locations')
  .addHelpText('after', '\nExit status: 0 when the comparison ran, 2 for bad arguments or unreadable inputs.');

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

function summary(r: ReplayReport): string {
  const moves = Object.entries(r.transitions).map(([k, n]) => `  ${k}: ${n}`);
  return [
    `${r.model}: current ${r.current} vs candidate ${r.candidate} on ${r.rows} captured rows (${r.rejected} not scorable)`,
    ...(r.comparison.agreement !== undefined ? [`label agreement: ${pct(r.comparison.agreement)}`] : []),
    `mean |difference|: ${r.comparison.meanAbsDiff.toPrecision(4)}, largest: ${r.comparison.maxAbsDiff.toPrecision(4)}`,
    `scoring time per 1,000 rows: current ${r.msPer1000Rows.current.toFixed(2)} ms, candidate ${r.msPer1000Rows.candidate.toFixed(2)} ms`,
    ...(moves.length ? ['labels that changed:', ...moves] : []),
    ...r.rejectReasons.map((reason) => `not scorable: ${reason}`),
  ].join('\n');
}

parseCommandLine(program);
const opts = program.opts<{ model: string; candidate: string; input: string; report?: string; json?: boolean; endpointUrl?: string }>();

try {
  const s3 = s3ClientFor(opts.endpointUrl);
  const current = await loadModel(await modelSource(opts.model), { s3 });
  const candidate = await loadModel(versionSource(current.name, opts.candidate), { s3 });
  if (candidate.name !== current.name) throw new Error(`the candidate is ${candidate.name} ${candidate.version}, not a version of ${current.name}`);
  const { records, skipped } = await readRecords(openLocation(opts.input, { s3 }), ['']);
  if (records.length === 0) throw new Error(`no records in ${opts.input}${skipped ? ` (${skipped} lines were not JSON objects)` : ''}`);
  // Capture records hold the request's instance under `features`; plain records are instances.
  const instances = records.map((r) => (r.features && typeof r.features === 'object' ? r.features : r));
  const report = await replay(current, candidate, (async function* () {
    yield instances;
  })());
  if (opts.report) await writeFile(opts.report, `${JSON.stringify(report, null, 2)}\n`);
  console.log(opts.json ? JSON.stringify(report, null, 2) : summary(report));
} catch (err) {
  console.error(`replay: ${(err as Error).message}`);
  process.exitCode = 2;
}
