import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobSpec, type JobSpecInput } from '../../functions/core/batch/contracts.ts';
import { finalizeJob } from '../../functions/core/batch/finalize-job.ts';
import { planJob } from '../../functions/core/batch/plan-job.ts';
import { scoreChunk } from '../../functions/core/batch/score-chunk.ts';
import { openLocation } from '../../functions/core/storage/location.ts';
import { Transform } from 'node:stream';
import type { Location, ObjectStore } from '../../functions/core/storage/object-store.ts';
import type { Model } from '../../functions/core/model.ts';
import { MODELS, model } from './models.ts';
import { createBucket, motoS3 } from './s3.ts';

/** Where a test's input and output live: a temp folder, or a fresh bucket on moto. */
export type Where = 'local' | 's3';

let buckets = 0;
export async function workspace(where: Where): Promise<{ base: string; location: (path: string) => Location }> {
  if (where === 'local') {
    const base = await mkdtemp(join(tmpdir(), 'batch-'));
    return { base, location: (path) => openLocation(path) };
  }
  const s3 = motoS3();
  const bucket = await createBucket(s3, `batch-${process.pid}-${buckets++}`);
  return { base: `s3://${bucket}`, location: (uri) => openLocation(uri, { s3 }) };
}

/**
 * Runs plan, every chunk and finalize in-process, as the state machine would, with the default
 * model (or `model`); a chunk that throws is retried up to `attempts` times, as the state machine's Retry does.
 */
export async function runJob(spec: JobSpecInput, location: (uri: string) => Location, options: { workerInput?: (input: Location) => Location; attempts?: number; model?: Model } = {}) {
  const job = JobSpec.parse(spec);
  const input = location(job.input);
  const output = location(job.output);
  const m = options.model ?? (await model(MODELS.breastCancer));
  const { plan, chunks } = await planJob(job, input, output);
  const workerInput = options.workerInput?.(input) ?? input;
  const errors: string[] = [];
  for (const chunk of chunks) {
    for (let attempt = 1; attempt <= (options.attempts ?? 1); attempt++) {
      try {
        await scoreChunk(chunk, { job, model: m, input: workerInput, output });
        break;
      } catch (err) {
        errors.push(`chunk ${chunk.index}: ${(err as Error).message}`);
      }
    }
  }
  return { plan, chunks, errors, ...(await finalizeJob(job, plan, output)) };
}

/** The store, forwarding every call but those `overrides` replace. */
export const forwarding = (inner: ObjectStore, overrides: Partial<ObjectStore>): ObjectStore => ({
  uri: (key) => inner.uri(key),
  list: (prefix) => inner.list(prefix),
  head: (key) => inner.head(key),
  read: (key, range, etag) => inner.read(key, range, etag),
  readBytes: (key, range, etag) => inner.readBytes(key, range, etag),
  readIfPresent: (key) => inner.readIfPresent(key),
  write: (key, body) => inner.write(key, body),
  writeIfAbsent: (key, body) => inner.writeIfAbsent(key, body),
  upload: (key) => inner.upload(key),
  ...overrides,
});

/** An input whose object is replaced by `body` just before a worker first reads it, as another process writing the input mid-run would. */
export function replacedOnFirstRead(input: Location, body: Uint8Array | string): Location {
  let replaced = false;
  const inner = input.store;
  const replacing = async (key: string) => {
    if (replaced) return;
    replaced = true;
    await inner.write(key, body);
  };
  const store = forwarding(inner, {
    read: async (key, range, etag) => (await replacing(key), inner.read(key, range, etag)),
    readBytes: async (key, range, etag) => (await replacing(key), inner.readBytes(key, range, etag)),
  });
  return { store, key: input.key };
}

/** An input whose first ranged read of a chunk after byte 0 dies after `bytes` bytes, as a worker killed mid-chunk. */
export function failingOnce(input: Location, bytes: number): Location {
  let failed = false;
  const inner = input.store;
  const store = forwarding(inner, {
    read: async (key, range, etag) => {
      const stream = await inner.read(key, range, etag);
      if (failed || !range || range.start === 0) return stream;
      failed = true;
      let seen = 0;
      return stream.pipe(
        new Transform({
          transform(chunk: Buffer, _, done) {
            seen += chunk.length;
            if (seen > bytes) return done(new Error('worker killed mid-chunk'));
            done(null, chunk);
          },
        }),
      );
    },
  });
  return { store, key: input.key };
}
