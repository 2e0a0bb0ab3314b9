import type { Location, ObjectInfo } from '../storage/object-store.ts';
import { joinKey } from '../storage/location.ts';
import type { Manifest } from './contracts.ts';
import { type RunError, runFailedReason, writeManifest } from './finalize-job.ts';
import { readLines } from './formats/lines.ts';
import { listInput } from './input-objects.ts';

/** How a Batch Transform run ended, as the state machine hands it to finalize. */
export interface TransformOutcome {
  readonly job: { readonly model: string; readonly input: string; readonly output: string; readonly format: 'csv' | 'jsonl' };
  /** The transform job's name (known before it starts, so a failed run can name it too). */
  readonly transformJob: string;
  /** The model version the endpoint serves, from its model.json. */
  readonly model: { readonly name: string; readonly version: string; readonly sha256: string };
  readonly startedAt: string;
  /** TransformJobStatus, when the job ran to its end. */
  readonly status?: string;
  /** The state machine's error, when the job failed or could not start. */
  readonly error?: RunError;
}

/** Rows as the Lambda path counts them: non-blank lines. */
async function countLines(location: Location, key: string): Promise<number> {
  let rows = 0;
  for await (const batch of readLines(location.store, { key, gzip: false })) rows += batch.length;
  return rows;
}

/**
 * Where SageMaker writes an input object's output: the object's key relative to the input URI's
 * folder (its key up to the last '/'), under the output path, with `.out` appended.
 */
export function transformOutputKey(input: Location, output: Location, key: string): string {
  const folder = input.key.slice(0, input.key.lastIndexOf('/') + 1);
  return joinKey(output.key, `${key.slice(folder.length)}.out`);
}

/** A .sync task's failure carries DescribeTransformJob as its cause: its FailureReason says why. */
function failureReason(job: string, error: RunError): string {
  try {
    const described = JSON.parse(error.Cause ?? '') as { FailureReason?: unknown };
    if (typeof described.FailureReason === 'string') return `transform job ${job} failed: ${described.FailureReason}`;
  } catch {
    // Not SageMaker's description (the job could not start, or the run broke elsewhere): the error as it is.
  }
  return runFailedReason(error);
}

/**
 * Accounts for a Batch Transform run and writes `_manifest.json`, the same account as the Lambda
 * path's: rows in are the input objects' lines, rows scored the lines SageMaker wrote for them
 * (`<key>.out`, one line per input line). An object without output, or with fewer lines, has its
 * missing rows counted as rejected with a reason. Each input object is one of the manifest's chunks,
 * SageMaker's own unit of work. The status is `succeeded` only when the job completed and every
 * input row has its output line.
 */
export async function finalizeTransform(outcome: TransformOutcome, input: Location, output: Location): Promise<{ manifest: Manifest; uri: string }> {
  const reasons: string[] = [];
  if (outcome.error) reasons.push(failureReason(outcome.transformJob, outcome.error));
  else if (outcome.status !== 'Completed') reasons.push(`transform job ${outcome.transformJob} ended ${outcome.status ?? 'without a status'}`);

  const outputPrefix = `${output.key.replace(/\/$/, '')}/`;
  const sameStore = input.store.uri('') === output.store.uri('');
  let objects: ObjectInfo[] = [];
  try {
    objects = await listInput(input, (key) => sameStore && key.startsWith(outputPrefix));
  } catch (err) {
    reasons.push((err as Error).message);
  }

  const counted = await Promise.all(
    objects.map(async (object) => {
      const key = transformOutputKey(input, output, object.key);
      const [rowsIn, written] = await Promise.all([countLines(input, object.key), output.store.head(key)]);
      return { object, key, rowsIn, rowsOut: written ? await countLines(output, key) : undefined };
    }),
  );
  const failedChunks: number[] = [];
  counted.forEach(({ object, key, rowsIn, rowsOut }, index) => {
    const source = input.store.uri(object.key);
    if (rowsOut === undefined) reasons.push(`${source}: no output (${output.store.uri(key)}): its ${rowsIn} rows are rejected`);
    else if (rowsOut < rowsIn) reasons.push(`${source}: ${rowsIn - rowsOut} of ${rowsIn} rows have no output line in ${output.store.uri(key)}`);
    else if (rowsOut > rowsIn) reasons.push(`${source}: ${output.store.uri(key)} has ${rowsOut} lines for ${rowsIn} input rows: the counts do not reconcile`);
    if (rowsOut === undefined || rowsOut !== rowsIn) failedChunks.push(index);
  });

  const sum = (pick: (c: (typeof counted)[number]) => number) => counted.reduce((total, c) => total + pick(c), 0);
  const manifest: Manifest = {
    status: reasons.length ? 'failed' : 'succeeded',
    reasons,
    input: outcome.job.input,
    output: outcome.job.output,
    format: outcome.job.format,
    inputObjects: objects.map(({ key, size }) => ({ key, size })),
    chunks: objects.length,
    failedChunks,
    rowsIn: sum((c) => c.rowsIn),
    rowsScored: sum((c) => c.rowsOut ?? 0),
    rowsRejected: sum((c) => Math.max(0, c.rowsIn - (c.rowsOut ?? 0))),
    parts: counted.filter((c) => c.rowsOut !== undefined).map((c) => c.key.slice(joinKey(output.key, '').length)),
    rejects: [],
    model: outcome.model,
    startedAt: outcome.startedAt,
    endedAt: new Date().toISOString(),
    engine: 'sagemaker-batch-transform',
    transformJob: outcome.transformJob,
  };
  return { manifest, uri: await writeManifest(output, manifest) };
}
