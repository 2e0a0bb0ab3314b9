import { resolve } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { LocalStore } from './local-store.ts';
import type { Location } from './object-store.ts';
import { S3Store } from './s3-store.ts';

export interface LocationOptions {
  /** Client for `s3://` locations; wins over `endpointUrl`. */
  readonly s3?: S3Client;
  /** An S3-compatible endpoint (moto, MinIO...): the client uses it with path-style addressing. */
  readonly endpointUrl?: string;
}

export type { Location };

const S3_URI = /^s3:\/\/([^/]+)\/?(.*)$/;

/**
 * A client for S3 when none is given. Custom endpoints (`--endpoint-url`, or AWS_ENDPOINT_URL_S3 /
 * AWS_ENDPOINT_URL as the AWS CLI reads them) get path-style addressing, because emulators rarely
 * resolve `bucket.host` names; real S3 keeps virtual-hosted style.
 */
export function s3ClientFor(endpointUrl?: string): S3Client {
  const endpoint = endpointUrl ?? process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
  return new S3Client(endpoint ? { endpoint, forcePathStyle: true } : {});
}

/**
 * Resolves a job's `input` or `output`: `s3://bucket/key-or-prefix` is that bucket and key; anything
 * else is a local path, resolved against the working directory and addressed from the file-system
 * root (store = LocalStore('/'), key = the absolute path without its leading '/'), so that keys in
 * chunk lists and manifests are complete paths that any worker can open.
 */
export function openLocation(uri: string, options: LocationOptions = {}): Location {
  const s3 = S3_URI.exec(uri);
  if (s3) {
    const client = options.s3 ?? s3ClientFor(options.endpointUrl);
    return { store: new S3Store(client, s3[1]!), key: s3[2]! };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) throw new Error(`unsupported location "${uri}": use s3://bucket/key or a local path`);
  const path = resolve(uri);
  return { store: new LocalStore('/'), key: path.replace(/^\/+/, '') };
}

/** `prefix/name` with exactly one `/` between them; an empty prefix is the store's root. */
export function joinKey(prefix: string, name: string): string {
  if (prefix === '') return name.replace(/^\/+/, '');
  return `${prefix.replace(/\/+$/, '')}/${name.replace(/^\/+/, '')}`;
}

/**
 * Whether a key listed under `prefix` lies in a hidden part of it: a folder or file below the prefix
 * whose name starts with `_` or `.` (`_shadow/`, `_chunks/`, `_SUCCESS`), which Hadoop-style readers
 * skip as internal. A hidden name in the prefix itself counts for nothing: naming a folder reads it.
 */
export function hiddenBelow(prefix: string, key: string): boolean {
  if (key === prefix) return false;
  const folder = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
  return key.slice(folder.length).split('/').some((name) => /^[_.]/.test(name));
}
