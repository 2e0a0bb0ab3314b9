import { CreateBucketCommand, DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inject } from 'vitest';

/** An S3 client bound to the moto server that the test setup started. */
export function motoS3(): S3Client {
  return new S3Client({
    endpoint: inject('motoEndpoint'),
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
}

export async function createBucket(s3: S3Client, name: string): Promise<string> {
  await s3.send(new CreateBucketCommand({ Bucket: name }));
  return name;
}

/** Uploads a model package folder under `prefix`; returns its s3:// URI. */
export async function uploadPackage(s3: S3Client, bucket: string, prefix: string, dir: string): Promise<string> {
  for (const file of ['model.json', 'model.onnx']) {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}/${file}`, Body: await readFile(join(dir, file)) }));
  }
  return `s3://${bucket}/${prefix}`;
}

export const deleteObject = (s3: S3Client, bucket: string, key: string) => s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));

/**
 * Points the AWS SDK of handlers imported from now on at moto, with test credentials, plus the
 * handler's own settings: what a Lambda environment gives a function before its module loads.
 */
export function useMotoEnvironment(settings: Record<string, string>): void {
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: inject('motoEndpoint'),
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    ...settings,
  });
}

/** Credentials and region a CLI child process needs to reach moto (which accepts any). */
export const S3_ENV = { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1' };
