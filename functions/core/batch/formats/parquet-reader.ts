import { type AsyncBuffer, type ColumnData, type DecodedArray, parquetRead, parquetSchema } from 'hyparquet';
import { parquetPlan, prefetchAsyncBuffer } from 'hyparquet/src/plan.js';
import type { ObjectStore } from '../../storage/object-store.ts';
import type { Chunk } from '../contracts.ts';
import { openParquet, rowGroupStarts } from './parquet-file.ts';
import type { ColumnBatch } from './source-row.ts';

/** One column over [rowStart, rowEnd) from its decoded pages: the page itself when one covers the range, else the pages joined. */
function columnOf(pages: ColumnData[], rowStart: number, rowEnd: number): ArrayLike<unknown> {
  const sorted = pages.sort((a, b) => a.rowStart - b.rowStart);
  if (sorted.length === 1 && sorted[0]!.rowStart === rowStart && sorted[0]!.rowEnd === rowEnd) return sorted[0]!.columnData as DecodedArray;
  const out = new Array<unknown>(rowEnd - rowStart).fill(undefined);
  for (const page of sorted) {
    const data = page.columnData as DecodedArray;
    for (let r = Math.max(page.rowStart, rowStart); r < Math.min(page.rowEnd, rowEnd); r++) out[r - rowStart] = data[r - page.rowStart];
  }
  return out;
}

/** Bytes of the next row group read ahead at most: a larger group is fetched when its turn comes, so memory never holds two of them. */
export const PARQUET_READ_AHEAD = 64 * 1024 * 1024;

type Plan = ReturnType<typeof parquetPlan>;

/**
 * Starts fetching a plan's byte ranges and returns a buffer that serves them. A fetch that fails is
 * reported to whoever reads the buffer, and only then: a reader that stops early leaves no
 * unhandled rejection behind.
 */
function prefetch(file: AsyncBuffer, plan: Plan): AsyncBuffer {
  const quiet: AsyncBuffer = {
    byteLength: file.byteLength,
    slice(start, end) {
      const bytes = Promise.resolve(file.slice(start, end));
      bytes.catch(() => undefined);
      return bytes;
    },
  };
  return prefetchAsyncBuffer(quiet, plan);
}

const plannedBytes = (plan: Plan) => plan.fetches.reduce((n, f) => n + f.endByte - f.startByte, 0);

/**
 * Parquet rows of a chunk: its row groups only, one at a time, each yielded as its decoded columns
 * (typed arrays stay compact), so memory holds one row group's columns whatever the file's size.
 * Values keep Parquet's types (numbers, strings, BigInt for INT64, null). With `columns`, only those
 * of them the file has are read: the other column chunks are neither fetched nor decoded. The next
 * row group's bytes are read ahead when they are at most `readAheadBytes`.
 */
export async function* readParquet(store: ObjectStore, chunk: Chunk, columns?: readonly string[], readAheadBytes = PARQUET_READ_AHEAD): AsyncGenerator<ColumnBatch> {
  const { file, metadata } = await openParquet(store, chunk.key);
  const starts = rowGroupStarts(metadata);
  const groups = metadata.row_groups.length;
  const first = chunk.rowGroups?.start ?? 0;
  const last = Math.min(chunk.rowGroups?.end ?? groups, groups);
  if (chunk.rowGroups && chunk.rowGroups.end > groups) {
    throw new Error(`${store.uri(chunk.key)}: chunk ${chunk.index} asks for row groups up to ${chunk.rowGroups.end}, the file has ${groups}`);
  }
  const all = parquetSchema(metadata).children.map((c) => c.element.name);
  const names = columns ? all.filter((n) => columns.includes(n)) : all;

  const planOf = (g: number) => parquetPlan({ file, metadata, columns: names, rowStart: starts[g]!, rowEnd: starts[g + 1]! });
  // The next row group travels while the consumer scores this one: S3's time to first byte overlaps work instead of adding to it.
  const readAhead = (g: number) => {
    if (g >= last) return undefined;
    const plan = planOf(g);
    return plannedBytes(plan) <= readAheadBytes ? prefetch(file, plan) : undefined;
  };
  let next: AsyncBuffer | undefined;
  for (let g = first; g < last; g++) {
    const rowStart = starts[g]!;
    const rowEnd = starts[g + 1]!;
    const bytes = next ?? file;
    next = readAhead(g + 1);
    if (rowEnd === rowStart) continue;
    const pieces = new Map<string, ColumnData[]>(names.map((n) => [n, []]));
    await parquetRead({
      file: bytes,
      metadata,
      columns: names,
      rowStart,
      rowEnd,
      onChunk: (data) => pieces.get(data.columnName)?.push(data),
    });
    const columns = new Map(names.map((n) => [n, columnOf(pieces.get(n)!, rowStart, rowEnd)]));
    yield { firstRow: rowStart, rows: rowEnd - rowStart, columns };
  }
}
