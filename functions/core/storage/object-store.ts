import type { Readable, Writable } from 'node:stream';

/** An object as listed: its key (relative to the store) and size in bytes. */
export interface ObjectInfo {
  readonly key: string;
  readonly size: number;
  /** What changes when the object is replaced, even by one of the same size: S3's ETag, a file's inode and modification time. @default - unknown */
  readonly etag?: string;
}

/** An object to read: its key, and when known its size and the version every read must find (`etag`). */
export type ObjectRef = Pick<ObjectInfo, 'key' | 'etag'> & { readonly size?: number };

/**
 * A read of one version of an object found another in its place, or none: the object was replaced
 * or removed since its etag was taken.
 */
export class ObjectChanged extends Error {
  override readonly name = 'ObjectChanged';
  constructor(
    readonly uri: string,
    readonly removed: boolean,
  ) {
    super(`${uri} was ${removed ? 'removed' : 'replaced'} since it was listed`);
  }
}

/** A byte range [start, end) of an object. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/** A stream that uploads while it is written; `done` settles once the object is stored (or failed). */
export interface UploadStream {
  readonly stream: Writable;
  readonly done: Promise<void>;
}

/**
 * The object storage the batch path reads and writes: S3 (or any S3-compatible endpoint) on AWS,
 * the local file system or S3 in `npm run score`. Keys use `/` whatever the platform.
 */
export interface ObjectStore {
  /** The URI of a key, for messages and manifests: `s3://bucket/key` or a file path. */
  uri(key: string): string;
  /** Every object under `prefix` (recursively), sorted by key; a key equal to `prefix` is listed alone. */
  list(prefix: string): Promise<ObjectInfo[]>;
  /** The object's size, or undefined when it does not exist. */
  head(key: string): Promise<ObjectInfo | undefined>;
  /**
   * Streams the object or a range of it. A range running past the end yields the bytes that exist
   * (none when it starts at or after the end), as a file read would: the line readers rely on it to
   * ask for "the next bytes" without knowing the object's size. With `etag`, every byte read is of
   * that version: the read fails with ObjectChanged when the object was replaced or removed (S3's
   * If-Match), so a reader needs no HEAD before or after to know what it read.
   */
  read(key: string, range?: ByteRange, etag?: string): Promise<Readable>;
  /** Reads the object or a range of it whole (for small objects and ranges); ranges and `etag` as in `read`. */
  readBytes(key: string, range?: ByteRange, etag?: string): Promise<Uint8Array>;
  /** The whole object, or undefined when none is at `key`: one request where a HEAD and a GET would be two. */
  readIfPresent(key: string): Promise<Uint8Array | undefined>;
  /** Writes a whole object, replacing any previous one; atomic for readers. */
  write(key: string, body: Uint8Array | string): Promise<void>;
  /** Writes only when no object exists at `key` (S3 If-None-Match: *); returns false when one did. */
  writeIfAbsent(key: string, body: Uint8Array | string): Promise<boolean>;
  /** Streams an object of unknown size (multipart on S3); the object appears only when `done` resolves. */
  upload(key: string): UploadStream;
}

/** A place in a store: one object's key, or a key prefix. */
export interface Location {
  readonly store: ObjectStore;
  readonly key: string;
}
