import { type AsyncBuffer, type FileMetaData, parquetMetadataAsync } from 'hyparquet';
import type { ObjectRef, ObjectStore } from '../../storage/object-store.ts';
import { BadInput } from '../job-errors.ts';

export interface ParquetFile {
  readonly file: AsyncBuffer;
  readonly metadata: FileMetaData;
}

/** Errors of the store's reads (S3 unavailable, a reset connection): the store's, and may pass when tried again. */
const readFailures = new WeakSet<object>();

/**
 * A Parquet object as hyparquet reads it: an AsyncBuffer whose slices are ranged reads of the store,
 * so the footer and then only the column chunks asked for travel, never the whole object.
 */
export function asyncBuffer(store: ObjectStore, { key, etag }: ObjectRef, size: number): AsyncBuffer {
  return {
    byteLength: size,
    async slice(start: number, end?: number): Promise<ArrayBuffer> {
      const bytes = await store.readBytes(key, { start, end: end ?? size }, etag).catch((err: unknown) => {
        if (typeof err === 'object' && err !== null) readFailures.add(err);
        throw err;
      });
      // Copy into an ArrayBuffer of exactly the slice (a Buffer may be a view into a larger pool).
      return bytes.buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
        ? bytes.buffer
        : (bytes.slice().buffer as ArrayBuffer);
    },
  };
}

/**
 * Opens a Parquet object: its size (HEAD, unless given) and its footer metadata (one ranged read from
 * the end, usually). With an etag, every read is of that version.
 */
export async function openParquet(store: ObjectStore, object: ObjectRef): Promise<ParquetFile> {
  const { key } = object;
  const length = object.size ?? (await store.head(key))?.size;
  if (length === undefined) throw new BadInput(`${store.uri(key)}: no such object`);
  const file = asyncBuffer(store, object, length);
  try {
    return { file, metadata: await parquetMetadataAsync(file) };
  } catch (err) {
    if (readFailures.has(err as object)) throw err;
    throw new BadInput(`${store.uri(key)}: not a readable Parquet file: ${(err as Error).message}`, { cause: err });
  }
}

/** Row index of the first row of each row group, and the total: row group g holds rows [starts[g], starts[g + 1]). */
export function rowGroupStarts(metadata: FileMetaData): number[] {
  const starts = [0];
  for (const group of metadata.row_groups) starts.push(starts.at(-1)! + Number(group.num_rows));
  return starts;
}
