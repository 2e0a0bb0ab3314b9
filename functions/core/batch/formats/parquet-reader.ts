import { type ColumnData, type DecodedArray, parquetRead, parquetSchema } from 'hyparquet';
import type { ObjectStore } from '../../storage/object-store.ts';
import type { Chunk } from '../contracts.ts';
import { openParquet, rowGroupStarts } from './parquet-file.ts';
import { BATCH_ROWS, type SourceRow } from './source-row.ts';

/** The decoded pieces of one column, in row order, each covering rows [rowStart, rowEnd) of the object. */
type Segments = ColumnData[];

/** The value at object row `row`, walking the column's segments forward (rows are asked in order). */
function cursor(segments: Segments) {
  let s = 0;
  return (row: number): unknown => {
    while (s < segments.length && row >= segments[s]!.rowEnd) s++;
    const seg = segments[s];
    if (!seg || row < seg.rowStart) return undefined;
    return (seg.columnData as DecodedArray)[row - seg.rowStart];
  };
}

/**
 * Parquet rows of a chunk: its row groups only, one at a time. Each row group is decoded column by
 * column (typed arrays stay compact) and turned into row objects a batch at a time, so memory holds
 * one row group's columns plus one batch of objects, whatever the file's size. `row` is the row's
 * index within the object; values keep Parquet's types (numbers, strings, BigInt for INT64, null).
 */
export async function* readParquet(store: ObjectStore, chunk: Chunk): AsyncGenerator<SourceRow[]> {
  const { file, metadata } = await openParquet(store, chunk.key);
  const starts = rowGroupStarts(metadata);
  const groups = metadata.row_groups.length;
  const first = chunk.rowGroups?.start ?? 0;
  const last = Math.min(chunk.rowGroups?.end ?? groups, groups);
  if (chunk.rowGroups && chunk.rowGroups.end > groups) {
    throw new Error(`${store.uri(chunk.key)}: chunk ${chunk.index} asks for row groups up to ${chunk.rowGroups.end}, the file has ${groups}`);
  }
  const names = parquetSchema(metadata).children.map((c) => c.element.name);

  for (let g = first; g < last; g++) {
    const rowStart = starts[g]!;
    const rowEnd = starts[g + 1]!;
    if (rowEnd === rowStart) continue;
    const columns = new Map<string, Segments>(names.map((n) => [n, []]));
    await parquetRead({
      file,
      metadata,
      rowStart,
      rowEnd,
      onChunk: (data) => columns.get(data.columnName)?.push(data),
    });
    const readers = names.map((n) => {
      const segments = columns.get(n)!.sort((a, b) => a.rowStart - b.rowStart);
      return [n, cursor(segments)] as const;
    });
    for (let from = rowStart; from < rowEnd; from += BATCH_ROWS) {
      const to = Math.min(from + BATCH_ROWS, rowEnd);
      const rows: SourceRow[] = [];
      for (let r = from; r < to; r++) {
        const values: Record<string, unknown> = {};
        for (const [name, at] of readers) values[name] = at(r);
        rows.push({ row: r, values });
      }
      yield rows;
    }
  }
}
