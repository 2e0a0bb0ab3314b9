import { type AsyncBuffer, type DecodedArray, parquetSchema } from 'hyparquet';
import { parquetPlan, prefetchAsyncBuffer } from 'hyparquet/src/plan.js';
import type { ObjectStore } from '../../storage/object-store.ts';
import type { Chunk } from '../contracts.ts';
import { openParquet, rowGroupStarts } from './parquet-file.ts';
import { columnChunkRange, columnDecoder, columnPages } from './parquet-pages.ts';
import type { ColumnBatch } from './source-row.ts';
import { BadInput } from '../job-errors.ts';
import { checkRequiredColumns, type RequiredColumns } from './required-columns.ts';

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

interface Head {
  data: ArrayLike<unknown> & { slice(start: number, end: number): ArrayLike<unknown> };
  at: number;
}

/**
 * Rows [0, rows) of a row group, from each column's pages, as batches cut wherever any column's page
 * ends. A batch is a page itself where the page covers it exactly (the usual case: writers end
 * every column's pages at the same rows), else a copy of the part it covers; memory holds about one
 * page per column, whatever the row group's size.
 */
function* rowSlices(names: readonly string[], pages: readonly Iterator<DecodedArray>[], firstRow: number, rows: number, uri: string): Generator<ColumnBatch> {
  const heads: Head[] = names.map(() => ({ data: [], at: 0 }));
  for (let row = 0; row < rows; ) {
    let n = rows - row;
    heads.forEach((head, c) => {
      while (head.at === head.data.length) {
        const page = pages[c]!.next();
        if (page.done) throw new BadInput(`${uri}: column "${names[c]}" ends at row ${firstRow + row}, before the end of its row group (row ${firstRow + rows})`);
        head.data = page.value as Head['data'];
        head.at = 0;
      }
      n = Math.min(n, head.data.length - head.at);
    });
    const columns = new Map(
      names.map((name, c) => {
        const head = heads[c]!;
        const part = head.at === 0 && head.data.length === n ? head.data : head.data.slice(head.at, head.at + n);
        head.at += n;
        return [name, part];
      }),
    );
    yield { firstRow: firstRow + row, rows: n, columns };
    row += n;
  }
}

/**
 * Parquet rows of a chunk: its row groups only, in order, each yielded as batches of decoded columns
 * (typed arrays stay compact) no longer than a page, so memory holds a row group's compressed bytes
 * and about one decoded page per column, whatever the file's or the row group's size. Values keep
 * Parquet's types (numbers, strings, BigInt for INT64, null). With `columns`, only those of them the
 * file has are read: the other column chunks are neither fetched nor decoded; a file without a
 * `required` column fails. The next row group's bytes are read ahead when they are at most
 * `readAheadBytes`.
 */
export async function* readParquet(store: ObjectStore, chunk: Chunk, columns?: readonly string[], required?: RequiredColumns, readAheadBytes = PARQUET_READ_AHEAD): AsyncGenerator<ColumnBatch> {
  // An empty object (as planned) holds no rows and has no footer.
  if (chunk.size === 0) return;
  const { file, metadata } = await openParquet(store, chunk);
  const starts = rowGroupStarts(metadata);
  const groups = metadata.row_groups.length;
  const first = chunk.rowGroups?.start ?? 0;
  const last = Math.min(chunk.rowGroups?.end ?? groups, groups);
  if (chunk.rowGroups && chunk.rowGroups.end > groups) {
    throw new BadInput(`${store.uri(chunk.key)}: chunk ${chunk.index} asks for row groups up to ${chunk.rowGroups.end}, the file has ${groups}`);
  }
  const schema = parquetSchema(metadata);
  const all = schema.children.map((c) => c.element.name);
  checkRequiredColumns(store.uri(chunk.key), 'Parquet schema', all, required);
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
    const bytes = next ?? prefetch(file, planOf(g));
    next = readAhead(g + 1);
    if (rowEnd === rowStart) continue;
    const chunks = names.map((name) => metadata.row_groups[g]!.columns.find((c) => c.meta_data?.path_in_schema[0] === name)!);
    const decoders = chunks.map((c) => columnDecoder(schema, c, store.uri(chunk.key)));
    const pages = await Promise.all(
      chunks.map(async (c, i) => {
        const { start, end } = columnChunkRange(c);
        return columnPages(await bytes.slice(start, end), decoders[i]!);
      }),
    );
    yield* rowSlices(names, pages, rowStart, rowEnd - rowStart, store.uri(chunk.key));
  }
}
