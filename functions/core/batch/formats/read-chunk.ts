import type { ObjectStore } from '../../storage/object-store.ts';
import type { Chunk } from '../contracts.ts';
import { readCsv } from './csv-reader.ts';
import { readJsonl } from './jsonl-reader.ts';
import { readParquet } from './parquet-reader.ts';
import type { ReadBatch } from './source-row.ts';
import { BadInput } from '../job-errors.ts';
import type { RequiredColumns } from './required-columns.ts';

export type { ColumnBatch, ReadBatch, SourceRow } from './source-row.ts';

/**
 * The rows a chunk owns, in input order: batches of about BATCH_ROWS rows (CSV, JSON Lines) or
 * batches of columns no longer than a page (Parquet). The one entry point a worker needs, whatever
 * the format. Reads stream (ranged reads), so memory does not grow with the object.
 * Unparseable rows come as rows with `error`; only problems of the whole object (no such object, a
 * CSV header naming a column twice, a file that is not Parquet) throw.
 *
 * `columns` names the only columns a reader needs: Parquet then fetches and decodes no other column
 * chunk (a wide table costs what its used columns cost); text rows still carry every field, and a
 * CSV header may repeat the name of a column that is not needed. A CSV header or Parquet schema
 * without one of the `required` columns fails the object; JSON Lines, which has neither, rejects
 * each row that lacks one.
 */
export async function* readChunk(store: ObjectStore, chunk: Chunk, columns?: readonly string[], required?: RequiredColumns): AsyncGenerator<ReadBatch> {
  switch (chunk.format) {
    case 'csv':
      return yield* readCsv(store, chunk, columns, required);
    case 'jsonl':
      return yield* readJsonl(store, chunk);
    case 'parquet':
      if (chunk.gzip) throw new BadInput(`${store.uri(chunk.key)}: gzip applies to CSV and JSON Lines, not Parquet (which compresses its pages)`);
      return yield* readParquet(store, chunk, columns, required);
  }
}
