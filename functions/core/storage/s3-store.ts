import { PassThrough, Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { type ByteRange, ObjectChanged, type ObjectInfo, type ObjectStore, type UploadStream } from './object-store.ts';
import { byKey } from './sort.ts';

export interface S3StoreOptions {
  /** MaxKeys of each ListObjectsV2 page (S3 caps it at 1000); small values exist for tests of pagination. @default 1000 */
  readonly listPageSize?: number;
  /** Part size of multipart uploads: S3's smallest, so the part left to send when a writer ends is small. Memory held by one upload is about partSize × queueSize. @default 5 MiB */
  readonly partSize?: number;
  /** Parts uploaded concurrently by one upload. @default 4 */
  readonly queueSize?: number;
}

interface AwsError {
  name?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
}
const status = (err: unknown) => (err as AwsError).$metadata?.httpStatusCode;
const named = (err: unknown, ...names: string[]) => names.includes((err as AwsError).name ?? '') || names.includes((err as AwsError).Code ?? '');

/** Stated explicitly: the SDK cannot infer it for an empty body and would warn about "a Stream of unknown length". */
const contentLength = (body: Uint8Array | string) => (typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength);
/**
 * SDK errors say "The specified key does not exist." without the key: prefix the URI to the message,
 * keeping the error itself (its name is what Step Functions retry and catch rules match on).
 */
function naming(err: unknown, uri: string): unknown {
  if (err instanceof Error && !err.message.startsWith(uri)) err.message = `${uri}: ${err.message}`;
  return err;
}

const emptyStream = () => Readable.from([]);
const rangeHeader = (range: ByteRange) => `bytes=${range.start}-${range.end - 1}`;
/** A conditional write that met another in flight: S3 asks the caller to retry it (409 ConditionalRequestConflict). */
const CONFLICT_RETRIES = 5;

/**
 * ObjectStore over one S3 bucket (or any S3-compatible endpoint: give the client `forcePathStyle`).
 *
 * Ranges follow file semantics, so that readers can ask for "the next bytes" without knowing the
 * size: a range running past the end yields the bytes that exist, and one starting at or after the
 * end yields nothing (S3 answers 416 InvalidRange there; that one error is mapped to an empty read).
 */
export class S3Store implements ObjectStore {
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #options: S3StoreOptions;

  constructor(client: S3Client, bucket: string, options: S3StoreOptions = {}) {
    this.#client = client;
    this.#bucket = bucket;
    this.#options = options;
  }

  get bucket(): string {
    return this.#bucket;
  }

  uri(key: string): string {
    return `s3://${this.#bucket}/${key}`;
  }

  /**
   * An object whose key is exactly `prefix` is the whole answer (an input naming one object).
   * Otherwise `prefix` is a folder: only keys under `prefix/` are listed, so `in` never picks up
   * `input.csv`. Zero-byte keys ending in `/` are console "folders", not objects, and are left out.
   */
  async list(prefix: string): Promise<ObjectInfo[]> {
    if (prefix !== '' && !prefix.endsWith('/')) {
      const exact = await this.head(prefix);
      if (exact) return [exact];
    }
    const folder = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
    const objects: ObjectInfo[] = [];
    let token: string | undefined;
    do {
      const page = await this.#client
        .send(new ListObjectsV2Command({ Bucket: this.#bucket, Prefix: folder, ContinuationToken: token, MaxKeys: this.#options.listPageSize }))
        .catch((err: unknown) => Promise.reject(naming(err, this.uri(folder))));
      for (const o of page.Contents ?? []) {
        if (o.Key === undefined || (o.Key.endsWith('/') && !o.Size)) continue;
        objects.push({ key: o.Key, size: o.Size ?? 0, ...(o.ETag && { etag: o.ETag }) });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return objects.sort(byKey);
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const res = await this.#client.send(new HeadObjectCommand({ Bucket: this.#bucket, Key: key }));
      return { key, size: res.ContentLength ?? 0, ...(res.ETag && { etag: res.ETag }) };
    } catch (err) {
      if (status(err) === 404 || named(err, 'NotFound', 'NoSuchKey')) return undefined;
      throw naming(err, this.uri(key));
    }
  }

  /** Streams straight from the response body: nothing is buffered beyond the socket's window. */
  async read(key: string, range?: ByteRange, etag?: string): Promise<Readable> {
    if (range && range.end <= range.start) return emptyStream();
    const res = await this.#get(key, range, etag);
    return res ? (res.Body as Readable) : emptyStream();
  }

  async readBytes(key: string, range?: ByteRange, etag?: string): Promise<Uint8Array> {
    if (range && range.end <= range.start) return new Uint8Array(0);
    const res = await this.#get(key, range, etag);
    return res ? res.Body!.transformToByteArray().catch((err: unknown) => Promise.reject(naming(err, this.uri(key)))) : new Uint8Array(0);
  }

  async readIfPresent(key: string): Promise<Uint8Array | undefined> {
    try {
      const res = await this.#client.send(new GetObjectCommand({ Bucket: this.#bucket, Key: key }));
      return await res.Body!.transformToByteArray();
    } catch (err) {
      if (status(err) === 404 || named(err, 'NoSuchKey')) return undefined;
      throw naming(err, this.uri(key));
    }
  }

  /**
   * A GetObject, undefined for a range past the end. S3 checks If-Match before the range and serves
   * one version for the whole response, so a read with `etag` is of that version or fails.
   */
  async #get(key: string, range: ByteRange | undefined, etag: string | undefined) {
    try {
      return await this.#client.send(new GetObjectCommand({ Bucket: this.#bucket, Key: key, Range: range && rangeHeader(range), IfMatch: etag }));
    } catch (err) {
      if (etag !== undefined && (status(err) === 412 || named(err, 'PreconditionFailed'))) throw new ObjectChanged(this.uri(key), false);
      if (etag !== undefined && (status(err) === 404 || named(err, 'NoSuchKey'))) throw new ObjectChanged(this.uri(key), true);
      if (range && (status(err) === 416 || named(err, 'InvalidRange'))) return undefined;
      throw naming(err, this.uri(key));
    }
  }

  /** A single PutObject: S3 makes it visible all at once, so readers never see a partial object. */
  async write(key: string, body: Uint8Array | string): Promise<void> {
    try {
      await this.#client.send(new PutObjectCommand({ Bucket: this.#bucket, Key: key, Body: body, ContentLength: contentLength(body) }));
    } catch (err) {
      throw naming(err, this.uri(key));
    }
  }

  /**
   * PutObject with `If-None-Match: *`: S3 itself arbitrates between racing writers, so exactly one
   * wins and a rerun never replaces what a first run committed. 412 PreconditionFailed means an
   * object was there (false); 409 ConditionalRequestConflict means a concurrent write was in flight,
   * and S3 asks to retry, which then settles as 200 or 412.
   */
  async writeIfAbsent(key: string, body: Uint8Array | string): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.#client.send(new PutObjectCommand({ Bucket: this.#bucket, Key: key, Body: body, ContentLength: contentLength(body), IfNoneMatch: '*' }));
        return true;
      } catch (err) {
        if (status(err) === 412 || named(err, 'PreconditionFailed')) return false;
        if ((status(err) === 409 || named(err, 'ConditionalRequestConflict')) && attempt < CONFLICT_RETRIES) {
          await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
          continue;
        }
        throw naming(err, this.uri(key));
      }
    }
  }

  /**
   * A multipart upload fed by a PassThrough: lib-storage reads it a part at a time, so memory stays
   * near partSize × queueSize whatever the object's size, and writers feel backpressure through the
   * stream. If the upload fails, the stream is destroyed with its error so a writer waiting for
   * 'drain' fails instead of hanging.
   */
  upload(key: string): UploadStream {
    const stream = new PassThrough();
    const upload = new Upload({
      client: this.#client,
      params: { Bucket: this.#bucket, Key: key, Body: stream },
      partSize: this.#options.partSize ?? 5 * 1024 * 1024,
      queueSize: this.#options.queueSize ?? 4,
      leavePartsOnError: false,
    });
    const done = upload.done().then(
      () => undefined,
      (err: unknown) => {
        // The error its writer destroyed the stream with is the writer's, named by the writer.
        if (err === stream.errored) throw err;
        stream.destroy(err as Error);
        throw naming(err, this.uri(key));
      },
    );
    // Whoever awaits `done` still sees the failure; this only keeps an early one from being "unhandled".
    done.catch(() => undefined);
    // A writer that destroys the stream fails the upload with its error, and lib-storage (leavePartsOnError
    // false) then aborts the multipart upload: no parts are left behind. Aborting here as well would
    // race it and name every failure "Upload aborted.", a part's own error included.
    return { stream, done };
  }
}
