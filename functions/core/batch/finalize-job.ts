import type { Location, ObjectInfo } from '../storage/object-store.ts';
import { readJsonObject } from '../storage/json-object.ts';
import { joinKey } from '../storage/location.ts';
import { type Chunk, type ChunkError, ChunkFailure, ChunkResult, type JobSpec, type Manifest, OUTPUT_LAYOUT, type PlanResult } from './contracts.ts';
import { OUTPUT_IN_USE } from './job-errors.ts';
import { PLAN_OBJECTS } from './plan-job.ts';
import { mapLimited } from '../map-limited.ts';
import { numberRejects } from './number-rejects.ts';

/** How the orchestration ended, when it did not end well (Step Functions' error and cause). */
export interface RunError {
  readonly Error: string;
  readonly Cause?: string;
}

/** The reason a manifest gives for a run whose orchestration failed. */
export const runFailedReason = (error: RunError): string => `run failed: ${error.Error}${error.Cause ? `: ${error.Cause.slice(0, 1000)}` : ''}`;

/** The rows one unit of a run accounts for: a chunk on the Lambda path, an input object with Batch Transform. */
export interface RowCounts {
  readonly rowsIn: number;
  readonly rowsScored: number;
  readonly rowsRejected: number;
}

/** What an engine knows of a finished run; the manifest's status, sums and end follow from it. */
export type RunAccount = Omit<Manifest, 'status' | 'inputObjects' | 'rowsIn' | 'rowsScored' | 'rowsRejected' | 'endedAt'> & {
  readonly inputObjects: readonly ObjectInfo[];
  readonly counts: readonly RowCounts[];
};

/** The manifest of a run, the same for both engines: its rows summed over its units, and `succeeded` only when no reason was found against the run. */
function runManifest(run: RunAccount): Manifest {
  const { reasons, errors, unscored, input, output: outputUri, format, inputObjects, chunks, failedChunks, counts, parts, rejects, rejectsFirstLines, model, startedAt, engine, transformJob } = run;
  const sum = (pick: (c: RowCounts) => number) => counts.reduce((total, c) => total + pick(c), 0);
  return {
    status: reasons.length ? 'failed' : 'succeeded',
    reasons,
    input,
    output: outputUri,
    format,
    inputObjects: inputObjects.map(({ key, size, etag }) => ({ key, size, ...(etag !== undefined && { etag }) })),
    chunks,
    failedChunks,
    ...(errors && { errors }),
    ...(unscored?.length && { unscored }),
    rowsIn: sum((c) => c.rowsIn),
    rowsScored: sum((c) => c.rowsScored),
    rowsRejected: sum((c) => c.rowsRejected),
    parts,
    rejects,
    ...(rejectsFirstLines && Object.keys(rejectsFirstLines).length > 0 && { rejectsFirstLines }),
    model,
    startedAt,
    endedAt: new Date().toISOString(),
    // What scored the rows, when it is not the Lambda workers.
    ...(engine && { engine, transformJob }),
  };
}

/** Writes the run's `_manifest.json`; returns the manifest and its URI. */
export async function writeRunManifest(output: Location, run: RunAccount): Promise<{ manifest: Manifest; uri: string }> {
  const manifest = runManifest(run);
  const key = joinKey(output.key, OUTPUT_LAYOUT.manifest);
  await output.store.write(key, `${JSON.stringify(manifest, null, 2)}\n`);
  return { manifest, uri: output.store.uri(key) };
}

/** Objects read at once when a run has thousands of chunks or input objects. */
const OBJECT_CONCURRENCY = 16;

const readJson = async <T>(output: Location, name: string): Promise<T> => (await readJsonObject(output.store, joinKey(output.key, name))) as T;

/** Every record in one of the output's folders (`_chunks/`, `_errors/`), among the output's listed keys, read a few at a time. */
async function records<T>(output: Location, keys: readonly string[], folder: string, schema: { parse(v: unknown): T }): Promise<T[]> {
  const under = joinKey(output.key, folder);
  return mapLimited(keys.filter((key) => key.startsWith(under)), OBJECT_CONCURRENCY, async (key) => schema.parse(await readJsonObject(output.store, key)));
}

/**
 * A worker's refusal in this run: it found a chunk committed by another model, which the plan
 * cannot see (a model promoted between two runs into one output). Those chunks would otherwise
 * count as this run's, committed.
 */
function workerRefusal(failures: readonly ChunkFailure[], since: string): string | undefined {
  const refused = failures.find((f) => f.name === OUTPUT_IN_USE && f.at >= since);
  return refused && `${OUTPUT_IN_USE}: ${refused.message.slice(0, 1000)}`;
}

/** Committed chunks whose part or rejects part is gone (deleted after its chunk committed): their rows would be lost without a word. */
function missingParts(output: Location, keys: readonly string[], committed: readonly ChunkResult[]): string[] {
  const present = new Set(keys);
  return committed.flatMap((r) => {
    const gone = [r.part, ...(r.rowsRejected > 0 && r.rejects ? [r.rejects] : [])].filter((name) => !present.has(joinKey(output.key, name)));
    return gone.length ? [`chunk ${r.index} committed ${gone.join(' and ')}, which no longer exist: delete ${OUTPUT_LAYOUT.chunkResult(r.index)} and rerun to score it again`] : [];
  });
}

/** Failed chunks whose error the manifest quotes; the rest are in failedChunks. */
const QUOTED_ERRORS = 10;

/** Why the first failed chunks failed, from the error each worker's last attempt left (none when it left none). */
function chunkErrors(failures: readonly ChunkFailure[], failed: readonly number[]): ChunkError[] {
  const byIndex = new Map(failures.map((f) => [f.index, f]));
  return failed
    .filter((index) => byIndex.has(index))
    .slice(0, QUOTED_ERRORS)
    .map((chunk) => ({ chunk, name: byIndex.get(chunk)!.name, message: byIndex.get(chunk)!.message.slice(0, 1000) }));
}

/**
 * Accounts for a run from what the workers committed, and writes `_manifest.json`. The status is
 * `succeeded` only when every committed chunk reconciles (rowsIn = rowsScored + rowsRejected), all
 * chunks were scored by one model version, and failed chunks stay within the tolerated percentage.
 */
export async function finalizeJob(job: JobSpec, plan: PlanResult | undefined, output: Location, error?: RunError): Promise<{ manifest: Manifest; uri: string }> {
  const reasons: string[] = [];
  if (error) reasons.push(runFailedReason(error));
  // The output holds another run: its manifest stays as it is, and this run's account goes to the caller alone.
  if (error?.Error === OUTPUT_IN_USE) return refusedRun(job, reasons);
  // One listing of the output serves the error records, the commit records and the parts they name.
  const listed = plan ? await output.store.list(output.key) : [];
  const keys = listed.map((o) => o.key);
  const failures = await records(output, keys, '_errors/', ChunkFailure);
  const refusal = plan && workerRefusal(failures, plan.startedAt);
  if (refusal) return refusedRun(job, [...reasons, refusal]);
  const [chunks, objects, results] = plan
    ? await Promise.all([readJson<Chunk[]>(output, OUTPUT_LAYOUT.chunkList), readJson<ObjectInfo[]>(output, PLAN_OBJECTS), records(output, keys, '_chunks/', ChunkResult)])
    : [[], [], []];
  const byIndex = new Map(results.filter((r) => r.index < chunks.length).map((r) => [r.index, r]));
  const committed = [...byIndex.values()].sort((a, b) => a.index - b.index);
  const failed = chunks.filter((c) => !byIndex.has(c.index));
  const failedChunks = failed.map((c) => c.index);

  for (const r of committed) {
    if (r.rowsIn !== r.rowsScored + r.rowsRejected) reasons.push(`chunk ${r.index} does not reconcile: ${r.rowsIn} in, ${r.rowsScored} scored, ${r.rowsRejected} rejected`);
  }
  reasons.push(...missingParts(output, keys, committed));
  const rejectsFirstLines = await numberRejects(output, chunks, byIndex, new Map(listed.map((o) => [o.key, o.size])));
  const versions = new Set(committed.map((r) => `${r.model.name}@${r.model.version} (${r.model.sha256})`));
  if (versions.size > 1) reasons.push(`chunks were scored by different models: ${[...versions].join(', ')}`);
  const failedPercent = chunks.length ? (100 * failedChunks.length) / chunks.length : 0;
  if (failedPercent > job.toleratedFailurePercentage) {
    reasons.push(`${failedChunks.length} of ${chunks.length} chunks failed (${failedPercent.toFixed(1)}%), over the tolerated ${job.toleratedFailurePercentage}%`);
  }

  const errors = chunkErrors(failures, failedChunks);
  const unscored = failed.map(({ index, key, range, rowGroups }) => ({ chunk: index, key, ...(range && { range }), ...(rowGroups && { rowGroups }) }));
  return writeRunManifest(output, {
    reasons,
    ...(errors.length && { errors }),
    unscored,
    input: job.input,
    output: job.output,
    format: job.format,
    inputObjects: objects,
    chunks: chunks.length,
    failedChunks,
    counts: committed,
    parts: committed.map((r) => r.part),
    rejects: committed.filter((r) => r.rowsRejected > 0 && r.rejects).map((r) => r.rejects!),
    rejectsFirstLines,
    model: committed[0]?.model,
    startedAt: plan?.startedAt ?? new Date().toISOString(),
  });
}

/** The account of a run refused for the output another run holds: nothing of its own to sum, and written nowhere. */
function refusedRun(job: JobSpec, reasons: string[]): { manifest: Manifest; uri: string } {
  const manifest = runManifest({
    reasons,
    input: job.input,
    output: job.output,
    format: job.format,
    inputObjects: [],
    chunks: 0,
    failedChunks: [],
    counts: [],
    parts: [],
    rejects: [],
    startedAt: new Date().toISOString(),
  });
  return { manifest, uri: `(not written: ${job.output} holds another run)` };
}
