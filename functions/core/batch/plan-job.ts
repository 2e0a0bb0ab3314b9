import type { Location, ObjectInfo } from '../storage/object-store.ts';
import { joinKey } from '../storage/location.ts';
import { type Chunk, type JobSpec, OUTPUT_LAYOUT, type PlanResult } from './contracts.ts';
import { listInput } from './input-objects.ts';
import { planChunks } from './plan-chunks.ts';

export const PLAN_OBJECTS = '_plan/objects.json';
/** What the run under an output prefix was asked to do, to tell a rerun of it from another job. */
export const PLAN_JOB = '_plan/job.json';

export const OUTPUT_IN_USE = 'OutputInUse';

/**
 * A plan that found another run's results under its output. Nothing there is touched: its chunk
 * records would be taken for this run's (a chunk that finds one does nothing), so its parts would
 * be counted as this run's rows. Finalize, told of it, writes nothing either.
 */
export class OutputInUse extends Error {
  override readonly name = OUTPUT_IN_USE;
}

/** The fields of a job that decide what its parts hold. */
const jobIdentity = (job: JobSpec) => ({ model: job.model, input: job.input, format: job.format, idColumn: job.idColumn ?? null });

async function readIfPresent(output: Location, name: string): Promise<unknown> {
  const key = joinKey(output.key, name);
  if (!(await output.store.head(key))) return undefined;
  return JSON.parse(new TextDecoder().decode(await output.store.readBytes(key)));
}

/** Refuses an output prefix that holds the plan of another job, or of the same job over other chunks; a rerun of the same plan resumes. */
async function checkOutputFree(job: JobSpec, output: Location, chunks: readonly Chunk[]): Promise<void> {
  const [previousJob, previousChunks] = await Promise.all([readIfPresent(output, PLAN_JOB), readIfPresent(output, OUTPUT_LAYOUT.chunkList)]);
  const differences: string[] = [];
  if (previousJob !== undefined) {
    const before = previousJob as Record<string, unknown>;
    for (const [field, value] of Object.entries(jobIdentity(job))) {
      if (JSON.stringify(before[field] ?? null) !== JSON.stringify(value)) differences.push(`its ${field} was ${JSON.stringify(before[field] ?? null)}, this run's is ${JSON.stringify(value)}`);
    }
  }
  if (differences.length === 0 && previousChunks !== undefined && JSON.stringify(previousChunks) !== JSON.stringify(chunks)) {
    differences.push('its chunks differ (the input changed, or the chunk size)');
  }
  if (differences.length) {
    throw new OutputInUse(`${output.store.uri(output.key)} holds another run (${differences.join('; ')}): a rerun of the same job resumes it, any other job needs an output prefix of its own`);
  }
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
  const objects = await listInput(input, (key) => sameStore && key.startsWith(outputPrefix));
  const chunks = await planChunks(input.store, objects, job.chunkBytes);
  await checkOutputFree(job, output, chunks);
  const chunkListKey = joinKey(output.key, OUTPUT_LAYOUT.chunkList);
  await output.store.write(chunkListKey, JSON.stringify(chunks));
  await output.store.write(joinKey(output.key, PLAN_OBJECTS), JSON.stringify(objects));
  await output.store.write(joinKey(output.key, PLAN_JOB), JSON.stringify(jobIdentity(job)));
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
