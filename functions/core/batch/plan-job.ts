import type { Location, ObjectInfo } from '../storage/object-store.ts';
import { joinKey } from '../storage/location.ts';
import { type Chunk, type JobSpec, OUTPUT_LAYOUT, type PlanResult } from './contracts.ts';
import { listInput } from './input-objects.ts';
import { planChunks } from './plan-chunks.ts';

export const PLAN_OBJECTS = '_plan/objects.json';

/** `s3://bucket/key` → {bucket, key}; a local path → {bucket: '', key: path}. */
const bucketAndKey = (uri: string) => {
  const s3 = /^s3:\/\/([^/]+)\/(.*)$/.exec(uri);
  return s3 ? { bucket: s3[1]!, key: s3[2]! } : { bucket: '', key: uri };
};

/**
 * Lists the input and splits it into chunks, writing the chunk list where the Distributed Map's
 * ItemReader (or the CLI) reads it, so the state payload stays small whatever the input size.
 * Hidden objects (`_SUCCESS`, `.crc`...) and anything under the output prefix are not input.
 */
export async function planJob(job: JobSpec, input: Location, output: Location): Promise<{ plan: PlanResult; chunks: Chunk[]; objects: ObjectInfo[] }> {
  const startedAt = new Date().toISOString();
  const outputPrefix = `${output.key.replace(/\/$/, '')}/`;
  const sameStore = input.store.uri('') === output.store.uri('');
  const objects = await listInput(input, (key) => sameStore && key.startsWith(outputPrefix));
  const chunks = await planChunks(input.store, objects, job.chunkBytes);
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
