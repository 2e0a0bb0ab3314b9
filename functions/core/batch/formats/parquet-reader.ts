import { type AsyncBuffer, type ColumnData, type DecodedArray, type FileMetaData, parquetRead, parquetSchema } from 'hyparquet';
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

/**
 * Starts fetching the byte ranges hyparquet will ask for to read `columns` of rows [rowStart,
 * rowEnd), and returns a buffer that serves them. A fetch that fails is reported to whoever reads
 * the buffer, and only then: a reader that stops early leaves no unhandled rejection behind.
 */
function prefetch(file: AsyncBuffer, metadata: FileMetaData, columns: string[], rowStart: number, rowEnd: number): AsyncBuffer {
  const quiet: AsyncBuffer = {
    byteLength: file.byteLength,
    slice(start, end) {
      const bytes = Promise.resolve(file.slice(start, end));
      bytes.catch(() => undefined);
      return bytes;
    },
  };
  return prefetchAsyncBuffer(quiet, parquetPlan({ file, metadata, columns, rowStart, rowEnd }));
}

/**
 * Parquet rows of a chunk: its row groups only, one at a time, each yielded as its decoded columns
 * (typed arrays stay compact), so memory holds one row group's columns whatever the file's size.
 * Values keep Parquet's types (numbers, strings, BigInt for INT64, null). With `columns`, only those
 * of them the file has are read: the other column chunks are neither fetched nor decoded.
 */
export async function* readParquet(store: ObjectStore, chunk: Chunk, columns?: readonly string[]): AsyncGenerator<ColumnBatch> {
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

  // The next row group travels while the consumer scores this one: S3's time to first byte overlaps work instead of adding to it.
  const fetchGroup = (g: number) => (g < last ? prefetch(file, metadata, names, starts[g]!, starts[g + 1]!) : undefined);
  let next = fetchGroup(first);
  for (let g = first; g < last; g++) {
    const rowStart = starts[g]!;
    const rowEnd = starts[g + 1]!;
    const bytes = next!;
    next = fetchGroup(g + 1);
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
