import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { Manifest } from '../../../functions/core/batch/contracts.ts';
import { lambdaContext } from '../../support/events.ts';
import { motoS3, useMotoEnvironment } from '../../support/s3.ts';
import { RUN_OUTPUT, runManifest, simulateTransform, transformBucket, transformCsv, transformJsonl } from '../../support/transform-job.ts';

type Handler = (event: unknown, context: unknown) => Promise<Record<string, unknown>>;
let handler: Handler;

beforeAll(async () => {
  useMotoEnvironment({});
  handler = (await import('../../../functions/batch/finalize-transform.ts')).handler as Handler;
});

const s3 = () => motoS3();
const model = { name: 'tumor-ensemble', version: '1.0.0', sha256: 'ab'.repeat(32) };
/** A bucket with two headerless CSV objects (one in a subfolder) under input/scans/. */
const world = (objects: Record<string, string> = { 'input/scans/a.csv': transformCsv(120, 'a'), 'input/scans/2026/b.csv': transformCsv(80, 'b') }) => transformBucket(objects);

const eventFor = (bucket: string, extra: object = {}, input = `s3://${bucket}/input/scans/`, format: 'csv' | 'jsonl' = 'csv') => ({
  job: { model: 'tumor-ensemble', input, output: `s3://${bucket}/${RUN_OUTPUT}`, format },
  run: { transformJob: 'nightly-tumor-0b1c', startedAt: '2026-11-23T03:00:01.000Z', model },
  ...extra,
});

async function rejectsOf(bucket: string, part: string): Promise<{ key: string; line?: number; offset: number; reasons: string[]; raw: string }[]> {
  const object = await s3().send(new GetObjectCommand({ Bucket: bucket, Key: `${RUN_OUTPUT}${part}` }));
  return (await object.Body!.transformToString()).trim().split('\n').map((line) => JSON.parse(line));
}

describe('finalize-transform handler over moto S3', () => {
  it('writes a succeeded manifest of the Lambda path\'s schema when every input line has its output line', async () => {
    const bucket = await world();
    const event = eventFor(bucket, { transform: { status: 'Completed' } });
    await simulateTransform(s3(), event.job.input, event.job.output, 'csv');

    const result = await handler(event, lambdaContext());

    expect(result).toEqual({
      status: 'succeeded',
      manifest: `s3://${bucket}/output/scans/2026-11-23T03:00:00Z/_manifest.json`,
      transformJob: 'nightly-tumor-0b1c',
      rowsIn: 200,
      rowsScored: 200,
      rowsRejected: 0,
      failedChunks: 0,
    });
    const manifest = await runManifest(bucket);
    // The schema the Lambda path's manifest is parsed with keeps every field: none is missing or extra.
    expect(Manifest.parse(manifest)).toEqual(manifest);
    expect(manifest).toEqual({
      status: 'succeeded',
      reasons: [],
      input: event.job.input,
      output: event.job.output,
      format: 'csv',
      inputObjects: [
        { key: 'input/scans/2026/b.csv', size: transformCsv(80, 'b').length, etag: expect.stringMatching(/^"[0-9a-f]{32}"$/) },
        { key: 'input/scans/a.csv', size: transformCsv(120, 'a').length, etag: expect.stringMatching(/^"[0-9a-f]{32}"$/) },
      ],
      chunks: 2,
      failedChunks: [],
      rowsIn: 200,
      rowsScored: 200,
      rowsRejected: 0,
      parts: ['2026/b.csv.out', 'a.csv.out'],
      rejects: [],
      model,
      startedAt: '2026-11-23T03:00:01.000Z',
      endedAt: expect.any(String),
      engine: 'sagemaker-batch-transform',
      transformJob: 'nightly-tumor-0b1c',
    });
  });

  it('finds the output of a single-object input next to the output path, as SageMaker names it', async () => {
    const bucket = await world({ 'input/scans/records.jsonl': transformJsonl(30) });
    const event = eventFor(bucket, { transform: { status: 'Completed' } }, `s3://${bucket}/input/scans/records.jsonl`, 'jsonl');
    expect(await simulateTransform(s3(), event.job.input, event.job.output, 'jsonl')).toEqual(['output/scans/2026-11-23T03:00:00Z/records.jsonl.out']);

    await handler(event, lambdaContext());

    expect(await runManifest(bucket)).toMatchObject({ status: 'succeeded', format: 'jsonl', chunks: 1, rowsIn: 30, rowsScored: 30, parts: ['records.jsonl.out'] });
  });

  it('counts the rows of an object without output and the lines missing from a short output as rejected, and fails the run', async () => {
    const bucket = await world({ 'input/scans/a.csv': transformCsv(50, 'a'), 'input/scans/b.csv': transformCsv(40, 'b'), 'input/scans/c.csv': transformCsv(10, 'c') });
    const event = eventFor(bucket, { transform: { status: 'Completed' } });
    await simulateTransform(s3(), event.job.input, event.job.output, 'csv', { skip: ['input/scans/b.csv'], drop: { 'input/scans/c.csv': 3 } });

    const result = await handler(event, lambdaContext());

    expect(result).toMatchObject({ status: 'failed', rowsIn: 100, rowsScored: 57, rowsRejected: 43, failedChunks: 2 });
    const manifest = await runManifest(bucket);
    expect(manifest.failedChunks).toEqual([1, 2]);
    expect(manifest.parts).toEqual(['a.csv.out', 'c.csv.out']);
    expect(manifest.rowsIn).toBe(manifest.rowsScored + manifest.rowsRejected);
    expect(manifest.reasons).toEqual([
      `s3://${bucket}/input/scans/b.csv: no output (s3://${bucket}/output/scans/2026-11-23T03:00:00Z/b.csv.out): its 40 rows are rejected`,
      `s3://${bucket}/input/scans/c.csv: 3 of 10 rows have no output line in s3://${bucket}/output/scans/2026-11-23T03:00:00Z/c.csv.out`,
    ]);
    expect(manifest.rejects).toEqual(['rejects/part-00001.jsonl', 'rejects/part-00002.jsonl']);
    const b = await rejectsOf(bucket, 'rejects/part-00001.jsonl');
    expect(b).toHaveLength(40);
    expect(b[0]).toEqual({ key: 'input/scans/b.csv', line: 1, offset: 0, reasons: [`the transform job wrote no output for s3://${bucket}/input/scans/b.csv`], raw: 'b0,0.00,0' });
    const c = await rejectsOf(bucket, 'rejects/part-00002.jsonl');
    expect(c.map((r) => [r.line, r.raw])).toEqual([
      [8, 'c7,2.59,2'],
      [9, 'c8,2.96,3'],
      [10, 'c9,3.33,4'],
    ]);
    expect(c[0]!.reasons).toEqual([`no output line for this row in s3://${bucket}/output/scans/2026-11-23T03:00:00Z/c.csv.out`]);
  });

  it('keeps exactly the row whose output line is missing from the middle of an output', async () => {
    const bucket = await world({ 'input/scans/a.csv': transformCsv(5) });
    const event = eventFor(bucket, { transform: { status: 'Completed' } });
    const joined = transformCsv(5).trim().split('\n').map((line) => `${line},0.5`);
    joined.splice(2, 1);
    await s3().send(new PutObjectCommand({ Bucket: bucket, Key: `${RUN_OUTPUT}a.csv.out`, Body: `${joined.join('\n')}\n` }));

    expect(await handler(event, lambdaContext())).toMatchObject({ status: 'failed', rowsIn: 5, rowsScored: 4, rowsRejected: 1 });
    expect((await rejectsOf(bucket, 'rejects/part-00000.jsonl')).map((r) => [r.line, r.raw])).toEqual([[3, 'r2,0.74,2']]);
  });

  it('fails a run whose output has more lines than its input, which does not reconcile', async () => {
    const bucket = await world({ 'input/scans/a.csv': transformCsv(5) });
    const event = eventFor(bucket, { transform: { status: 'Completed' } });
    const joined = transformCsv(6).trim().split('\n').map((line) => `${line},0.5`);
    await s3().send(new PutObjectCommand({ Bucket: bucket, Key: `${RUN_OUTPUT}a.csv.out`, Body: `${joined.join('\n')}\n` }));

    const result = await handler(event, lambdaContext());

    expect(result).toMatchObject({ status: 'failed', rowsIn: 5, rowsScored: 5, rowsRejected: 0 });
    expect((await runManifest(bucket)).reasons).toEqual([expect.stringContaining('a.csv.out has 1 output lines that join no input row: the counts do not reconcile')]);
  });

  it('writes a failed manifest with the failure reason when the transform job fails, counting the objects it finished', async () => {
    const bucket = await world();
    const described = { TransformJobName: 'nightly-tumor-0b1c', TransformJobStatus: 'Failed', FailureReason: 'ClientError: See job logs for more information' };
    const event = eventFor(bucket, { error: { Error: 'States.TaskFailed', Cause: JSON.stringify(described) } });
    // SageMaker uploads only the objects it transformed whole.
    await simulateTransform(s3(), event.job.input, event.job.output, 'csv', { skip: ['input/scans/a.csv'] });

    const result = await handler(event, lambdaContext());

    expect(result).toMatchObject({ status: 'failed', rowsIn: 200, rowsScored: 80, rowsRejected: 120, failedChunks: 1 });
    const manifest = await runManifest(bucket);
    expect(manifest.reasons[0]).toBe('transform job nightly-tumor-0b1c failed: ClientError: See job logs for more information');
    expect(manifest.reasons[1]).toContain('a.csv: no output');
    expect(manifest).toMatchObject({ engine: 'sagemaker-batch-transform', transformJob: 'nightly-tumor-0b1c', model });
  });

  it('still writes a failed manifest when the job could not start and the input is empty', async () => {
    const bucket = await world({});
    const event = eventFor(bucket, { error: { Error: 'SageMaker.ResourceLimitExceededException', Cause: 'The account-level service limit for ml.g5.xlarge is 0 Instances' } });

    const result = await handler(event, lambdaContext());

    expect(result).toMatchObject({ status: 'failed', rowsIn: 0, rowsScored: 0 });
    expect((await runManifest(bucket)).reasons).toEqual([
      'run failed: SageMaker.ResourceLimitExceededException: The account-level service limit for ml.g5.xlarge is 0 Instances',
      `no input objects at s3://${bucket}/input/scans/`,
    ]);
  });

  it('refuses an event without the run it finalizes, naming the field', async () => {
    await expect(handler({ job: { model: 'm', input: 's3://b/in/', output: 's3://b/out/', format: 'parquet' } }, lambdaContext())).rejects.toThrow(/job\.format: .*; run: /);
  });
});
