import { randomBytes } from 'node:crypto';
import { mkdtemp, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStore } from '../../../../functions/core/storage/local-store.ts';
import type { ObjectStore } from '../../../../functions/core/storage/object-store.ts';
import { S3Store, type S3StoreOptions } from '../../../../functions/core/storage/s3-store.ts';
import { createBucket, deleteObject, motoS3 } from '../../../support/s3.ts';

/** A fresh, empty store of each kind: a temp folder, and a new bucket in moto's S3 over real HTTP. */
export const STORES: { name: string; make: (options?: S3StoreOptions) => Promise<ObjectStore> }[] = [
  { name: 'LocalStore', make: async () => new LocalStore(await mkdtemp(join(tmpdir(), 'store-'))) },
  {
    name: 'S3Store (moto)',
    make: async (options) => {
      const s3 = motoS3();
      return new S3Store(s3, await createBucket(s3, `store-${randomBytes(6).toString('hex')}`), options);
    },
  },
];

export const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');

export async function readAll(stream: AsyncIterable<Uint8Array | string>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(typeof part === 'string' ? Buffer.from(part) : Buffer.from(part));
  return Buffer.concat(parts);
}

/** Deletes an object, which the ObjectStore interface leaves out (the batch path never deletes). */
export async function remove(store: ObjectStore, key: string): Promise<void> {
  if (store instanceof LocalStore) await unlink(store.path(key));
  else await deleteObject(motoS3(), (store as S3Store).bucket, key);
}
