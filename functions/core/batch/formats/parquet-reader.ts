import { type ColumnData, type DecodedArray, parquetRead, parquetSchema } from 'hyparquet';
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

  for (let g = first; g < last; g++) {
    const rowStart = starts[g]!;
    const rowEnd = starts[g + 1]!;
    if (rowEnd === rowStart) continue;
    const pieces = new Map<string, ColumnData[]>(names.map((n) => [n, []]));
    await parquetRead({
      file,
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
