import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Manifest } from '../../functions/core/batch/contracts.ts';
import { createBucket, motoS3 } from './s3.ts';

/** Headerless CSV lines, as Batch Transform containers read them: `count` rows whose first field is `<tag><i>`. */
export const transformCsv = (count: number, tag = 'r'): string => Array.from({ length: count }, (_, i) => `${tag}${i},${(i * 0.37).toFixed(2)},${i % 5}\n`).join('');

/** JSON Lines records, one per line. */
export const transformJsonl = (count: number, tag = 'r'): string => Array.from({ length: count }, (_, i) => `${JSON.stringify({ id: `${tag}${i}`, radius: i * 0.37 })}\n`).join('');

const splitUri = (uri: string) => {
  const match = /^s3:\/\/([^/]+)\/(.*)$/.exec(uri);
  if (!match) throw new Error(`not an s3:// URI: ${uri}`);
  return { bucket: match[1]!, key: match[2]! };
};

export interface TransformSimulation {
  /** Input keys SageMaker writes no `.out` for (the object failed). */
  readonly skip?: readonly string[];
  /** Lines dropped from the end of an object's output, by input key. */
  readonly drop?: Readonly<Record<string, number>>;
}

/**
 * Stands in for a Batch Transform job with SplitType Line, AssembleWith Line and JoinSource Input:
 * for every object under the input URI, writes `<output>/<key relative to the input's folder>.out`
 * holding each input line joined with a score (CSV: `,0.5`; JSON Lines: a `SageMakerOutput` field).
 * Returns the output keys written.
 */
export async function simulateTransform(s3: S3Client, inputUri: string, outputUri: string, format: 'csv' | 'jsonl', options: TransformSimulation = {}): Promise<string[]> {
  const input = splitUri(inputUri);
  const output = splitUri(outputUri);
  const folder = input.key.slice(0, input.key.lastIndexOf('/') + 1);
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: input.bucket, Prefix: input.key }));
  const written: string[] = [];
  for (const { Key } of listed.Contents ?? []) {
    if (options.skip?.includes(Key!)) continue;
    const text = await (await s3.send(new GetObjectCommand({ Bucket: input.bucket, Key }))).Body!.transformToString();
    const lines = text.split('\n').filter((l) => l.trim() !== '');
    const kept = lines.slice(0, lines.length - (options.drop?.[Key!] ?? 0));
    const joined = kept.map((line, i) => (format === 'csv' ? `${line},${(i % 10) / 10}` : JSON.stringify({ ...JSON.parse(line), SageMakerOutput: { score: (i % 10) / 10 } })));
    const key = `${output.key.replace(/\/?$/, '/')}${Key!.slice(folder.length)}.out`;
    await s3.send(new PutObjectCommand({ Bucket: output.bucket, Key: key, Body: joined.map((l) => `${l}\n`).join('') }));
    written.push(key);
  }
  return written;
}

/** The output of the scheduled run the transform specs finalize: `<bucket>/output/scans/<scheduled time>/`. */
export const RUN_OUTPUT = 'output/scans/2026-11-23T03:00:00Z/';

let buckets = 0;
/** A fresh moto bucket holding these input objects (key → body). */
export async function transformBucket(objects: Readonly<Record<string, string>>): Promise<string> {
  const bucket = await createBucket(motoS3(), `transform-${process.pid}-${buckets++}`);
  for (const [key, body] of Object.entries(objects)) await motoS3().send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  return bucket;
}

/** The `_manifest.json` the run left under RUN_OUTPUT. */
export async function runManifest(bucket: string): Promise<Manifest> {
  const object = await motoS3().send(new GetObjectCommand({ Bucket: bucket, Key: `${RUN_OUTPUT}_manifest.json` }));
  return JSON.parse(await object.Body!.transformToString());
}
