import type { Location, ObjectInfo } from '../storage/object-store.ts';
import { joinKey } from '../storage/location.ts';
import { type Manifest, OUTPUT_LAYOUT } from './contracts.ts';
import { type RunError, runFailedReason, writeRunManifest } from './finalize-job.ts';
import { type Line, readLines } from './formats/lines.ts';
import { listInput } from './input-objects.ts';
import { mapLimited } from '../map-limited.ts';
import { RejectsPart } from './rejects-part.ts';

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

/** An object's rows as the Lambda path counts them: its non-blank lines, with their line numbers and offsets. */
async function* rowsOf(location: Location, key: string): AsyncGenerator<Line> {
  for await (const batch of readLines(location.store, { key, gzip: false })) yield* batch;
}

/**
 * Whether an output line is SageMaker's join of this input line with its prediction (JoinSource
 * Input): for CSV the input line, a comma and the output; for JSON Lines the input object with a
 * `SageMakerOutput` field added.
 */
function joins(format: 'csv' | 'jsonl', input: string, output: string): boolean {
  if (format === 'csv') return output.startsWith(`${input},`);
  try {
    const { SageMakerOutput, ...rest } = JSON.parse(output) as Record<string, unknown>;
    return SageMakerOutput !== undefined && JSON.stringify(rest) === JSON.stringify(JSON.parse(input));
  } catch {
    return false;
  }
}

interface ObjectAccount {
  readonly rowsIn: number;
  readonly rowsOut?: number;
  readonly rowsScored: number;
  readonly rowsRejected: number;
  /** The rejects part, relative to the output prefix, when any row was rejected. */
  readonly rejects?: string;
}

/**
 * Walks an input object and its output side by side: an input row whose output line is there is
 * scored, one without is rejected and written, with its line, offset, text and reason, to the
 * object's rejects part, as the Lambda path keeps its rejected rows. Both are streamed: an object of
 * any size costs a line of memory each, plus up to 10,000 buffered rejects.
 */
async function account(format: 'csv' | 'jsonl', input: Location, output: Location, key: string, outKey: string, index: number): Promise<ObjectAccount> {
  const written = await output.store.head(outKey);
  const reason = written ? `no output line for this row in ${output.store.uri(outKey)}` : `the transform job wrote no output for ${input.store.uri(key)}`;
  const outputs = written ? rowsOf(output, outKey)[Symbol.asyncIterator]() : undefined;
  let next = outputs ? await outputs.next() : undefined;
  let rowsIn = 0;
  let scored = 0;
  const rejects = new RejectsPart(output, OUTPUT_LAYOUT.rejects(index));
  for await (const line of rowsOf(input, key)) {
    rowsIn++;
    if (next && !next.done && joins(format, line.text, next.value.text)) {
      scored++;
      next = await outputs!.next();
      continue;
    }
    rejects.add({ key, line: line.line, offset: line.offset, reasons: [reason], raw: line.text });
    if (rejects.rows % 10_000 === 0) await rejects.flush();
  }
  let rowsOut = scored;
  while (next && !next.done) {
    rowsOut++;
    next = await outputs!.next();
  }
  await rejects.end();
  return { rowsIn, ...(written ? { rowsOut } : {}), rowsScored: scored, rowsRejected: rejects.rows, ...(rejects.rows > 0 && { rejects: rejects.key }) };
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
 * path's: rows in are the input objects' lines, rows scored those SageMaker wrote an output line for
 * (`<key>.out`, each input line joined with its prediction), rows rejected the others, kept in
 * `rejects/part-NNNNN.jsonl` with their reason. Each input object is one of the manifest's chunks,
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

  // Each object streams its input and its output: a handful at once, whatever the run's size.
  const counted = await mapLimited(objects, 4, async (object, index) => {
    const key = transformOutputKey(input, output, object.key);
    return { object, key, ...(await account(outcome.job.format, input, output, object.key, key, index)) };
  });
  const failedChunks: number[] = [];
  counted.forEach(({ object, key, rowsIn, rowsOut, rowsScored: scored, rowsRejected: rejected }, index) => {
    const source = input.store.uri(object.key);
    if (rowsOut === undefined) reasons.push(`${source}: no output (${output.store.uri(key)}): its ${rowsIn} rows are rejected`);
    else if (rowsOut > scored) reasons.push(`${source}: ${output.store.uri(key)} has ${rowsOut - scored} output lines that join no input row: the counts do not reconcile`);
    if (rejected && rowsOut !== undefined) reasons.push(`${source}: ${rejected} of ${rowsIn} rows have no output line in ${output.store.uri(key)}`);
    if (rowsOut === undefined || rejected > 0 || rowsOut > scored) failedChunks.push(index);
  });

  return writeRunManifest(output, {
    reasons,
    input: outcome.job.input,
    output: outcome.job.output,
    format: outcome.job.format,
    inputObjects: objects,
    chunks: objects.length,
    failedChunks,
    counts: counted,
    parts: counted.filter((c) => c.rowsOut !== undefined).map((c) => c.key.slice(joinKey(output.key, '').length)),
    rejects: counted.flatMap((c) => (c.rejects ? [c.rejects] : [])),
    model: outcome.model,
    startedAt: outcome.startedAt,
    engine: 'sagemaker-batch-transform',
    transformJob: outcome.transformJob,
  });
}
