import { ListMultipartUploadsCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { writeTo } from '../../../../functions/core/batch/formats/sink.ts';
import type { UploadStream } from '../../../../functions/core/storage/object-store.ts';
import { describe, expect, it } from 'vitest';
import { S3Store } from '../../../../functions/core/storage/s3-store.ts';
import { createBucket, motoS3 } from '../../../support/s3.ts';

describe('S3Store', () => {
  it('follows continuation tokens: a listing spanning many pages is complete and sorted', async () => {
    const s3 = motoS3();
    const bucket = await createBucket(s3, 's3store-pages');
    const keys = Array.from({ length: 23 }, (_, i) => `in/part-${String(22 - i).padStart(3, '0')}.csv`);
    await Promise.all(keys.map((k) => s3.send(new PutObjectCommand({ Bucket: bucket, Key: k, Body: 'x' }))));
    const listed = await new S3Store(s3, bucket, { listPageSize: 5 }).list('in');
    expect(listed.map((o) => o.key)).toEqual([...keys].sort());
    expect(listed.every((o) => o.size === 1)).toBe(true);
  });

  it('leaves out console "folder" markers', async () => {
    const s3 = motoS3();
    const bucket = await createBucket(s3, 's3store-folders');
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'in/', Body: new Uint8Array(0) }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'in/a.csv', Body: 'a\n' }));
    expect(await new S3Store(s3, bucket).list('in/')).toMatchObject([{ key: 'in/a.csv', size: 2 }]);
  });

  it('names objects with s3:// URIs', () => {
    expect(new S3Store(motoS3(), 'b').uri('in/a.csv')).toBe('s3://b/in/a.csv');
  });

  it('uploads in several parts when the stream exceeds the part size', async () => {
    const s3 = motoS3();
    const bucket = await createBucket(s3, 's3store-multipart');
    const store = new S3Store(s3, bucket, { partSize: 5 * 1024 * 1024, queueSize: 2 });
    const { stream, done } = store.upload('big.csv');
    const line = Buffer.from('0123456789,abcdefghij,0.5\n');
    let written = 0;
    while (written < 11 * 1024 * 1024) {
      if (!stream.write(line)) await new Promise((r) => stream.once('drain', r));
      written += line.length;
    }
    stream.end();
    await done;
    expect(await store.head('big.csv')).toMatchObject({ key: 'big.csv', size: written });
    const tail = await store.readBytes('big.csv', { start: written - line.length, end: written });
    expect(Buffer.from(tail).equals(line)).toBe(true);
  });
});

describe('S3Store errors', () => {
  it('name the object and keep the SDK error (its name is what retry rules match)', async () => {
    const s3 = motoS3();
    const store = new S3Store(s3, await createBucket(s3, 's3store-errors'));
    const error = (await store.readBytes('in/missing.csv').then(() => undefined, (e: unknown) => e)) as Error;
    expect(error.name).toBe('NoSuchKey');
    expect(error.message).toMatch(/^s3:\/\/s3store-errors\/in\/missing\.csv: /);
    await expect(new S3Store(s3, 'no-such-bucket').list('in')).rejects.toThrow(/^s3:\/\/no-such-bucket\/in\/: /);
  });
});

/** Writes `bytes` bytes of CSV-like lines through the sink as a part writer does, then ends it. */
async function writeLines(sink: UploadStream, bytes: number): Promise<void> {
  const line = Buffer.from('0123456789,abcdefghij,0.5\n');
  for (let written = 0; written < bytes; written += line.length) await writeTo(sink, line);
  sink.stream.end();
  await sink.done;
}

const openUploads = async (s3: S3Client, bucket: string) => (await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads ?? [];

describe('S3Store uploads that fail', () => {
  it('a writer that destroys its upload half-way fails it with its own error, untouched, and leaves no multipart upload behind', async () => {
    const s3 = motoS3();
    const bucket = await createBucket(s3, 's3store-destroyed');
    const store = new S3Store(s3, bucket, { partSize: 5 * 1024 * 1024, queueSize: 2 });
    const { stream, done } = store.upload('half.csv');
    const chunk = Buffer.alloc(1024 * 1024, 0x61);
    for (let i = 0; i < 7; i++) if (!stream.write(chunk)) await new Promise((r) => stream.once('drain', r));
    const died = new Error('the worker died');
    stream.destroy(died);
    // The writer's own error, as it made it: whoever made it names what failed.
    await expect(done).rejects.toBe(died);
    expect(died.message).toBe('the worker died');
    expect(await store.head('half.csv')).toBeUndefined();
    expect(await openUploads(s3, bucket)).toEqual([]);
  });

  it("a part the store refuses fails the writer with the store's own error, not 'Upload aborted.', and leaves nothing behind", async () => {
    const s3 = motoS3();
    const bucket = await createBucket(s3, 's3store-refused');
    // S3 itself fails the second part: the edge this suite cannot make moto reach.
    s3.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'UploadPartCommand' && (args.input as { PartNumber?: number }).PartNumber === 2) {
          throw Object.assign(new Error('We encountered an internal error. Please try again.'), { name: 'InternalError' });
        }
        return next(args);
      },
      { step: 'initialize', name: 'refuseSecondPart' },
    );
    const store = new S3Store(s3, bucket, { partSize: 5 * 1024 * 1024, queueSize: 2 });
    const writing = writeLines(store.upload('refused.csv'), 12 * 1024 * 1024);
    await expect(writing).rejects.toMatchObject({ name: 'InternalError', message: 's3://s3store-refused/refused.csv: We encountered an internal error. Please try again.' });
    expect(await store.head('refused.csv')).toBeUndefined();
    expect(await openUploads(s3, bucket)).toEqual([]);
  });
});
