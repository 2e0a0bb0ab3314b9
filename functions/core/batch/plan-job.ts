import type { Location, ObjectInfo } from '../storage/object-store.ts';
import { readJsonIfPresent } from '../storage/json-object.ts';
import { joinKey } from '../storage/location.ts';
import { type Chunk, type JobSpec, OUTPUT_LAYOUT, type PlanResult } from './contracts.ts';
import { listInput } from './input-objects.ts';
import { OutputInUse } from './job-errors.ts';
import { planChunks } from './plan-chunks.ts';

export const PLAN_OBJECTS = '_plan/objects.json';
/** What the run under an output prefix was asked to do, to tell a rerun of it from another job. */
export const PLAN_JOB = '_plan/job.json';

type JobIdentity = Record<string, unknown>;

/** The fields of a job that decide what its parts hold; the input as its store names it (`./a.csv` and its absolute path, `s3://b/in` and `s3://b/in/`, are one input). */
const jobIdentity = (job: JobSpec, input: Location): JobIdentity => ({
  model: job.model,
  input: input.store.uri(input.key).replace(/\/+$/, ''),
  format: job.format,
  idColumn: job.idColumn ?? null,
});

const readIfPresent = (output: Location, name: string) => readJsonIfPresent(output.store, joinKey(output.key, name));

const identityDifferences = (before: JobIdentity, now: JobIdentity): string[] =>
  Object.entries(now)
    .filter(([field, value]) => JSON.stringify(before[field] ?? null) !== JSON.stringify(value))
    .map(([field, value]) => `its ${field} was ${JSON.stringify(before[field] ?? null)}, this run's is ${JSON.stringify(value)}`);

const refuse = (output: Location, differences: readonly string[]) =>
  new OutputInUse(`${output.store.uri(output.key)} holds another run (${differences.join('; ')}): a rerun of the same job resumes it, any other job needs an output prefix of its own`);

/**
 * Refuses an output prefix that holds the plan of another job, or of the same job over other input
 * objects or chunks (an object added, removed or replaced, even by one of the same size, or another
 * chunk size); a rerun of the same plan resumes.
 */
async function checkOutputFree(identity: JobIdentity, output: Location, objects: readonly ObjectInfo[], chunks: readonly Chunk[]): Promise<void> {
  const [previousJob, previousObjects, previousChunks] = await Promise.all([
    readIfPresent(output, PLAN_JOB),
    readIfPresent(output, PLAN_OBJECTS),
    readIfPresent(output, OUTPUT_LAYOUT.chunkList),
  ]);
  const differences = previousJob === undefined ? [] : identityDifferences(previousJob as JobIdentity, identity);
  const listed = (list: readonly ObjectInfo[]) => JSON.stringify(list.map(({ key, size, etag }) => [key, size, etag ?? null]));
  if (differences.length === 0 && previousObjects !== undefined && listed(previousObjects as ObjectInfo[]) !== listed(objects)) {
    differences.push('its input objects differ: one was added, removed or replaced');
  }
  // The split alone: the objects were compared above, and what else a chunk carries (its object's
  // etag and size) changes nothing in what it holds, and is absent from older plans.
  const cut = (list: readonly Chunk[]) => JSON.stringify(list.map(({ index, key, format, gzip, range, rowGroups }) => ({ index, key, format, gzip, range, rowGroups })));
  if (differences.length === 0 && previousChunks !== undefined && cut(previousChunks as Chunk[]) !== cut(chunks)) {
    differences.push('its chunks differ: the chunk size changed');
  }
  if (differences.length) throw refuse(output, differences);
}

/** Writes the job's identity only if none is there: of two different jobs started at once into one output, one wins and the other is refused. */
async function claimOutput(identity: JobIdentity, output: Location): Promise<void> {
  const key = joinKey(output.key, PLAN_JOB);
  if (await output.store.writeIfAbsent(key, JSON.stringify(identity))) return;
  const differences = identityDifferences((await readIfPresent(output, PLAN_JOB)) as JobIdentity, identity);
  if (differences.length) throw refuse(output, differences);
}

/** `s3://bucket/key` → {bucket, key}; a local path → {bucket: '', key: path}. */
const bucketAndKey = (uri: string) => {
  const s3 = /^s3:\/\/([^/]+)\/(.*)$/.exec(uri);
  return s3 ? { bucket: s3[1]!, key: s3[2]! } : { bucket: '', key: uri };
};

/**
 * Lists the input and splits it into chunks, writing the chunk list where the Distributed Map's
 * ItemReader (or the CLI) reads it, so the state payload stays small whatever the input size.
 * Hidden objects (`_SUCCESS`, `.crc`...) and anything under the output prefix are not input. An
 * output prefix that holds another run is refused (OutputInUse) before anything is written.
 */
export async function planJob(job: JobSpec, input: Location, output: Location): Promise<{ plan: PlanResult; chunks: Chunk[]; objects: ObjectInfo[] }> {
  const startedAt = new Date().toISOString();
  const outputPrefix = `${output.key.replace(/\/$/, '')}/`;
  const sameStore = input.store.uri('') === output.store.uri('');
  // Whatever is under the output is a run's output, not input: such an input would list as empty.
  if (sameStore && `${input.key.replace(/\/$/, '')}/`.startsWith(outputPrefix)) {
    throw new Error(`the input ${input.store.uri(input.key)} lies within the output ${output.store.uri(output.key)}: give the output a folder of its own`);
  }
  const objects = await listInput(input, (key) => sameStore && key.startsWith(outputPrefix));
  const chunks = await planChunks(input.store, objects, job.chunkBytes);
  const identity = jobIdentity(job, input);
  await checkOutputFree(identity, output, objects, chunks);
  await claimOutput(identity, output);
  const chunkListKey = joinKey(output.key, OUTPUT_LAYOUT.chunkList);
  await output.store.write(chunkListKey, JSON.stringify(chunks));
  await output.store.write(joinKey(output.key, PLAN_OBJECTS), JSON.stringify(objects));
  return {
    plan: {
      chunkList: bucketAndKey(output.store.uri(chunkListKey)),
      chunks: chunks.length,
      objects: objects.length,
      bytes: objects.reduce((sum, o) => sum + o.size, 0),
      startedAt,
    },
    chunks,
    objects,
  };
}
