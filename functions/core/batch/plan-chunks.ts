import type { FileMetaData } from 'hyparquet';
import type { ObjectInfo, ObjectStore } from '../storage/object-store.ts';
import { byKey } from '../storage/sort.ts';
import type { Chunk, InputFormat } from './contracts.ts';
import { openParquet } from './formats/parquet-file.ts';
import { mapLimited } from '../map-limited.ts';

export interface DetectedFormat {
  readonly format: InputFormat;
  readonly gzip: boolean;
}

const EXTENSIONS: [suffix: string, DetectedFormat][] = [
  ['.csv', { format: 'csv', gzip: false }],
  ['.csv.gz', { format: 'csv', gzip: true }],
  ['.jsonl', { format: 'jsonl', gzip: false }],
  ['.ndjson', { format: 'jsonl', gzip: false }],
  ['.jsonl.gz', { format: 'jsonl', gzip: true }],
  ['.ndjson.gz', { format: 'jsonl', gzip: true }],
  ['.parquet', { format: 'parquet', gzip: false }],
];

/**
 * An object's format from its extension (case-insensitive). `.json` and `.json.gz` are refused on
 * purpose: they usually hold one JSON document, not one object per line, and guessing would turn a
 * whole file into rejects. Anything unknown fails the plan, naming the key, before any work starts.
 */
export function detectFormat(key: string): DetectedFormat {
  const lower = key.toLowerCase();
  for (const [suffix, detected] of EXTENSIONS) if (lower.endsWith(suffix)) return detected;
  throw new Error(
    `cannot tell the format of "${key}" from its extension: expected ${EXTENSIONS.map(([s]) => s).join(', ')}` +
      (/\.json(\.gz)?$/.test(lower) ? ' (JSON Lines inputs must be named .jsonl or .ndjson)' : ''),
  );
}

/** Compressed bytes of a row group: its own total when the writer recorded it, else the sum over its column chunks. */
function groupBytes(metadata: FileMetaData, g: number): number {
  const group = metadata.row_groups[g]!;
  if (group.total_compressed_size !== undefined) return Number(group.total_compressed_size);
  return group.columns.reduce((sum, c) => sum + Number(c.meta_data?.total_compressed_size ?? 0), 0);
}

/**
 * Consecutive row groups packed greedily up to `chunkBytes` of compressed data; a row group larger
 * than that is a chunk of its own (row groups are Parquet's unit of reading and are never split).
 */
export function rowGroupRanges(metadata: FileMetaData, chunkBytes: number): { start: number; end: number }[] {
  const ranges: { start: number; end: number }[] = [];
  let start = 0;
  let bytes = 0;
  for (let g = 0; g < metadata.row_groups.length; g++) {
    const size = groupBytes(metadata, g);
    if (g > start && bytes + size > chunkBytes) {
      ranges.push({ start, end: g });
      start = g;
      bytes = 0;
    }
    bytes += size;
  }
  if (start < metadata.row_groups.length) ranges.push({ start, end: metadata.row_groups.length });
  return ranges;
}

/** Parquet footers read at once: enough to hide request latency over many objects, few enough to be polite. */
const FOOTER_CONCURRENCY = 16;

type ChunkSpec = Omit<Chunk, 'index'>;

async function chunksOf(store: ObjectStore, object: ObjectInfo, chunkBytes: number): Promise<ChunkSpec[]> {
  const { key, size } = object;
  const { format, gzip } = detectFormat(key);
  if (format === 'parquet') {
    // An empty object holds no rows, as an empty CSV does; it has no footer to read.
    if (size === 0) return [{ key, format, gzip: false }];
    const { metadata } = await openParquet(store, object);
    const ranges = rowGroupRanges(metadata, chunkBytes);
    // A file without row groups still gets its chunk (reading it yields no rows), so that every input object is accounted for.
    if (ranges.length === 0) return [{ key, format, gzip: false }];
    return ranges.map((rowGroups) => ({ key, format, gzip: false, rowGroups }));
  }
  // Gzip cannot be entered in the middle: one chunk reads the whole object, counting lines from 1.
  // An empty object gets one chunk without a range too (it yields no rows).
  if (gzip || size === 0) return [{ key, format, gzip }];
  const chunks: ChunkSpec[] = [];
  for (let start = 0; start < size; start += chunkBytes) {
    const range = { start, end: Math.min(start + chunkBytes, size) };
    chunks.push({ key, format, gzip, range });
  }
  return chunks;
}

/**
 * Splits the input objects into chunks of about `chunkBytes`, numbered 0..n-1 across all objects in
 * key order (the index names each output part, so the same input always gives the same parts):
 * uncompressed CSV/JSONL into byte ranges (each chunk owns the lines that start in its range, see
 * readLines), gzip objects whole, Parquet by row groups (read from each footer with ranged reads).
 * Every object gets at least one chunk.
 */
export async function planChunks(store: ObjectStore, objects: readonly ObjectInfo[], chunkBytes: number): Promise<Chunk[]> {
  if (!Number.isInteger(chunkBytes) || chunkBytes < 1) throw new Error(`chunkBytes must be a positive integer, got ${chunkBytes}`);
  const sorted = [...objects].sort(byKey);
  for (const o of sorted) detectFormat(o.key); // every unknown extension fails before any footer is read
  const perObject = await mapLimited(sorted, FOOTER_CONCURRENCY, async (o) => (await chunksOf(store, o, chunkBytes)).map((chunk) => ({ ...chunk, ...(o.etag !== undefined && { etag: o.etag }), size: o.size })));
  return perObject.flat().map((chunk, index) => ({ index, ...chunk }));
}
