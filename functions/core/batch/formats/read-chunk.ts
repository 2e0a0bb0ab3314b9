import type { ObjectStore } from '../../storage/object-store.ts';
import type { Chunk } from '../contracts.ts';
import { readCsvColumns } from './csv-columns.ts';
import { readCsv } from './csv-reader.ts';
import { readJsonl } from './jsonl-reader.ts';
import { readParquet } from './parquet-reader.ts';
import type { ReadBatch } from './source-row.ts';
import { BadInput } from '../job-errors.ts';
import type { RequiredColumns } from './required-columns.ts';
import type { LineCount } from './lines.ts';

export type { ColumnBatch, ReadBatch, SourceRow } from './source-row.ts';

export interface ReadOptions {
  /** The only columns read: Parquet fetches and decodes no other column chunk; text rows still carry every field. */
  readonly columns?: readonly string[];
  /** Columns whose absence from a CSV header or Parquet schema fails the object. */
  readonly required?: RequiredColumns;
  /** Counts the lines a CSV or JSON Lines chunk owns. */
  readonly lines?: LineCount;
  /** CSV read by columns (a ColumnBatch, no object per row), these columns' plain decimals as numbers. @default rows of text */
  readonly numeric?: readonly string[];
  /** Rows per batch of CSV read by columns. @default BATCH_ROWS */
  readonly batchRows?: number;
}

/**
 * The rows a chunk owns, in input order: batches of about BATCH_ROWS rows (CSV, JSON Lines) or
 * batches of columns no longer than a page (Parquet). The one entry point a worker needs, whatever
 * the format. Reads stream (ranged reads), so memory does not grow with the object.
 * Unparseable rows come as rows with `error`; only problems of the whole object (no such object, a
 * CSV header naming a column twice, a file that is not Parquet) throw.
 *
 * With `columns`, a wide Parquet table costs what its used columns cost, and a CSV header may repeat
 * the name of a column that is not among them. A CSV header or Parquet schema without one of the
 * `required` columns fails the object; JSON Lines, which has neither, rejects each row that lacks one.
 */
export async function* readChunk(store: ObjectStore, chunk: Chunk, { columns, required, lines, numeric, batchRows }: ReadOptions = {}): AsyncGenerator<ReadBatch> {
  switch (chunk.format) {
    case 'csv':
      if (numeric) return yield* readCsvColumns(store, chunk, { needed: columns, required, lines, numeric, batchRows });
      return yield* readCsv(store, chunk, { needed: columns, required, lines });
    case 'jsonl':
      return yield* readJsonl(store, chunk, lines);
    case 'parquet':
      if (chunk.gzip) throw new BadInput(`${store.uri(chunk.key)}: gzip applies to CSV and JSON Lines, not Parquet (which compresses its pages)`);
      return yield* readParquet(store, chunk, columns, required);
  }
}
