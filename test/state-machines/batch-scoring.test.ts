import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { Template } from 'aws-cdk-lib/assertions';
import { ExecutionError, StateMachine } from 'aws-local-stepfunctions';
import { beforeAll, describe, expect, inject, it, vi } from 'vitest';
import type { JobSpecInput, Manifest, PlanResult } from '../../functions/core/batch/contracts.ts';
import { BatchScoring } from '../../lib/batch-scoring.ts';
import { DataBucket } from '../../lib/data-bucket.ts';
import { unbundledStack } from '../lib/cdk.ts';
import { generateCsv } from '../support/batch-data.ts';
import { lambdaContext } from '../support/events.ts';
import { MODELS } from '../support/models.ts';
import { createBucket, deleteObject, motoS3 } from '../support/s3.ts';
import { type AslDefinition, definitionOf, failureOf } from './definition.ts';

type Handler = (event: unknown, context: unknown) => Promise<unknown>;
const handlers: Record<'plan' | 'scoreChunk' | 'finalize', Handler> = {} as never;

beforeAll(async () => {
  // The handlers read S3 through the environment, as on Lambda, and load their models at import.
  vi.stubEnv('AWS_ENDPOINT_URL_S3', inject('motoEndpoint'));
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
  vi.stubEnv('AWS_REGION', 'us-east-1');
  vi.stubEnv('MODELS', JSON.stringify([MODELS.breastCancer]));
  handlers.plan = (await import('../../functions/batch/plan.ts')).handler as Handler;
  handlers.scoreChunk = (await import('../../functions/batch/score-chunk.ts')).handler as Handler;
  handlers.finalize = (await import('../../functions/batch/finalize.ts')).handler as Handler;
});

/** The synthesized definition, as deployed. */
function synthesized(): AslDefinition {
  const stack = unbundledStack();
  new BatchScoring(stack, 'Batch', { bucket: new DataBucket(stack, 'Data').bucket, models: [{ name: 'breast-cancer', source: 'models/breast-cancer/1.0.0' }] });
  return definitionOf(Template.fromStack(stack));
}

/**
 * aws-local-stepfunctions runs neither ItemReader nor ItemBatcher, so the Distributed Map gets
 * stand-ins that hand the ItemProcessor exactly what those would: the items are the chunk list read
 * from where the plan wrote it (the PlanChunks binding below reads it into `$.plan.readerItems`),
 * and the ItemSelector builds the batch `{ BatchInput, Items: [chunk] }` from the synthesized
 * BatchInput, evaluated against the map's input as Step Functions does. One chunk per batch is
 * faithful because the synthesized MaxItemsPerBatch is 1 (asserted). The ItemProcessor, its Retry
 * and every other state are left as synthesized.
 */
function runnable(definition: AslDefinition): AslDefinition {
  const { ItemReader: _, ItemBatcher, ...map } = definition.States.ScoreChunks as Record<string, any>;
  expect(ItemBatcher.MaxItemsPerBatch).toBe(1);
  return {
    ...definition,
    States: {
      ...definition.States,
      ScoreChunks: { ...map, Type: 'Map', ItemsPath: '$.plan.readerItems', ItemSelector: { BatchInput: ItemBatcher.BatchInput, 'Items.$': 'States.Array($$.Map.Item.Value)' } },
    },
  };
}

const s3 = () => motoS3();

async function readJson<T>(bucket: string, key: string): Promise<T> {
  const object = await s3().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return JSON.parse(await object.Body!.transformToString());
}

type Wrapper = (event: any, real: () => Promise<unknown>) => Promise<unknown>;

interface RunOptions {
  /** Wraps the real worker, e.g. to fail an attempt. */
  readonly worker?: Wrapper;
  /** Wraps the real finalize. */
  readonly finalize?: Wrapper;
}

const unwrapped: Wrapper = (_, real) => real();

/** Runs the synthesized state machine with its tasks bound to the real handlers. */
function run(job: JobSpecInput, options: RunOptions = {}) {
  const machine = new StateMachine(runnable(synthesized()) as never);
  const context = lambdaContext();
  const execution = machine.run({ job } as never, {
    overrides: {
      taskResourceLocalHandlers: {
        PlanChunks: async (event) => {
          const plan = (await handlers.plan(event, context)) as PlanResult;
          // What the ItemReader would read: the JSON array at the location the plan returned.
          const readerItems = await readJson<unknown[]>(plan.chunkList.bucket, plan.chunkList.key);
          return { ...plan, readerItems } as never;
        },
        ScoreChunk: (event) => (options.worker ?? unwrapped)(event, () => handlers.scoreChunk(event, context)) as never,
        FinalizeRun: (event) => (options.finalize ?? unwrapped)(event, () => handlers.finalize(event, context)) as never,
      },
      // The synthesized backoff waits seconds; the retry itself is what is under test.
      retryIntervalOverrides: { ScoreChunk: 0, PlanChunks: 0, FinalizeRun: 0 },
    },
    context: { Execution: { Name: 'test-run' } } as never,
  });
  return execution.result as Promise<Record<string, any>>;
}

let buckets = 0;
async function inputCsv(rows: number, badEvery: number) {
  const bucket = await createBucket(s3(), `sfn-${process.pid}-${buckets++}`);
  const csv = generateCsv(rows, badEvery);
  await s3().send(new PutObjectCommand({ Bucket: bucket, Key: 'input/rows.csv', Body: csv.text }));
  return { bucket, csv };
}

/** Every output row's id, over every CSV part the manifest names. */
async function outputIds(bucket: string, manifest: Manifest): Promise<string[]> {
  const ids: string[] = [];
  for (const part of manifest.parts) {
    const object = await s3().send(new GetObjectCommand({ Bucket: bucket, Key: `output/${part}` }));
    const [header, ...lines] = (await object.Body!.transformToString()).trim().split('\n');
    const column = header!.split(',').indexOf('id');
    for (const line of lines.filter(Boolean)) ids.push(line.split(',')[column]!);
  }
  return ids;
}

describe('batch scoring state machine, synthesized, with the real handlers over moto S3', () => {
  const jobFor = (bucket: string): JobSpecInput => ({
    model: 'breast-cancer',
    input: `s3://${bucket}/input/rows.csv`,
    output: `s3://${bucket}/output/`,
    idColumn: 'id',
    chunkBytes: 16 * 1024,
  });

  it('scores a CSV with malformed rows over several chunks and succeeds with reconciled counts', async () => {
    const { bucket, csv } = await inputCsv(600, 9);
    const returned: unknown[] = [];
    const result = await run(jobFor(bucket), { worker: async (_, real) => (returned.push(await real()), returned.at(-1)) });

    expect(result).toMatchObject({ status: 'succeeded', manifest: `s3://${bucket}/output/_manifest.json`, failedChunks: 0 });
    const manifest = await readJson<Manifest>(bucket, 'output/_manifest.json');
    expect(manifest.chunks).toBeGreaterThan(3);
    expect(manifest).toMatchObject({ status: 'succeeded', rowsIn: 600, rowsRejected: csv.bad.size, rowsScored: csv.goodIds.length });
    expect(manifest.rowsIn).toBe(manifest.rowsScored + manifest.rowsRejected);
    expect(result).toMatchObject({ rowsIn: 600, rowsScored: csv.goodIds.length, rowsRejected: csv.bad.size });
    expect(await outputIds(bucket, manifest)).toEqual(csv.goodIds);
    // A worker returns its batch's counts, a few bytes whatever the batch's size: its commit records are in S3.
    expect(returned).toHaveLength(manifest.chunks);
    expect(returned.every((r) => JSON.stringify(r).length < 100)).toBe(true);
    expect(returned.reduce((n: number, r) => n + (r as { rowsIn: number }).rowsIn, 0)).toBe(600);
  });

  it('retries a worker that fails its first attempt, with no duplicate rows', async () => {
    const { bucket, csv } = await inputCsv(400, 11);
    const attempts = new Map<number, number>();
    const result = await run(jobFor(bucket), {
      // The first attempt at chunk 1 writes its parts and dies before it commits them (its commit
      // record is taken back): the retry must score it again over the same keys, neither
      // duplicating nor losing its rows.
      worker: async (event, real) => {
        const index: number = event.Items[0].index;
        attempts.set(index, (attempts.get(index) ?? 0) + 1);
        const output = await real();
        if (index === 1 && attempts.get(index) === 1) {
          await deleteObject(s3(), bucket, 'output/_chunks/part-00001.json');
          throw new Error('worker died before committing chunk 1');
        }
        return output;
      },
    });

    expect(attempts.get(1)).toBe(2);
    expect(result).toMatchObject({ status: 'succeeded', rowsIn: 400, failedChunks: 0 });
    const manifest = await readJson<Manifest>(bucket, 'output/_manifest.json');
    expect(manifest.rowsIn).toBe(manifest.rowsScored + manifest.rowsRejected);
    const ids = await outputIds(bucket, manifest);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(csv.goodIds);
  });

  it('fails a chunk whose input no attempt can read at once, without retrying it', async () => {
    const bucket = await createBucket(s3(), `sfn-${process.pid}-${buckets++}`);
    // A Latin-1 export: its header's names cannot be matched, whatever the attempt.
    const latin1 = Buffer.concat([Buffer.from('id,mean radius,caf'), Buffer.from([0xe9]), Buffer.from('\n1,2,3\n')]);
    await s3().send(new PutObjectCommand({ Bucket: bucket, Key: 'input/rows.csv', Body: latin1 }));
    let attempts = 0;
    const failure = await failureOf(run(jobFor(bucket), { worker: (_, real) => (attempts++, real()) }));

    expect(failure).toBeInstanceOf(ExecutionError);
    expect(attempts).toBe(1);
    const manifest = await readJson<Manifest>(bucket, 'output/_manifest.json');
    expect(manifest).toMatchObject({ status: 'failed', failedChunks: [0] });
    expect(manifest.errors).toEqual([expect.objectContaining({ name: 'BadInput', message: expect.stringContaining('header line is not UTF-8') })]);
  });

  it('retries a finalize that fails in passing, and ends in FinalizeFailed when it keeps failing', async () => {
    const { bucket } = await inputCsv(200, 9);
    let calls = 0;
    const flaky: Wrapper = async (_, real) => (++calls === 1 ? Promise.reject(new Error('S3 SlowDown')) : real());
    expect(await run(jobFor(bucket), { finalize: flaky })).toMatchObject({ status: 'succeeded', rowsIn: 200 });
    expect(calls).toBe(2);

    const { bucket: other } = await inputCsv(200, 9);
    const failure = await failureOf(run(jobFor(other), { finalize: () => Promise.reject(new Error('S3 is down')) }));
    expect((failure as ExecutionError).cause).toMatchObject({ name: 'FinalizeFailed', message: expect.stringContaining('S3 is down') });
  });

  it('ends in Fail after a plan failure, having written a failed manifest', async () => {
    const bucket = await createBucket(s3(), `sfn-${process.pid}-${buckets++}`);
    const job = { ...jobFor(bucket), input: 's3://no-such-bucket-anywhere/input/rows.csv' };

    const failure = await failureOf(run(job));
    expect(failure).toBeInstanceOf(ExecutionError);
    // The Fail state's Error and Cause: the manifest's URI.
    expect((failure as ExecutionError).cause).toMatchObject({ name: 'BatchRunFailed', message: `s3://${bucket}/output/_manifest.json` });
    const manifest = await readJson<Manifest>(bucket, 'output/_manifest.json');
    expect(manifest.status).toBe('failed');
    expect(manifest.reasons).toEqual([expect.stringContaining('NoSuchBucket')]);
    const listed = await s3().send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'output/part-' }));
    expect(listed.KeyCount).toBe(0);
  });

  it('ends in Fail without touching an output prefix that holds another run', async () => {
    const { bucket } = await inputCsv(300, 9);
    expect(await run(jobFor(bucket))).toMatchObject({ status: 'succeeded' });
    const listing = async () => (await s3().send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'output/' }))).Contents!.map((o) => [o.Key, o.ETag]);
    const theirs = await listing();

    const failure = await failureOf(run({ ...jobFor(bucket), chunkBytes: 32 * 1024 }));
    expect(failure).toBeInstanceOf(ExecutionError);
    expect((failure as ExecutionError).cause).toMatchObject({ name: 'BatchRunFailed', message: `(not written: s3://${bucket}/output/ holds another run)` });
    expect(await listing()).toEqual(theirs);
  });
});
