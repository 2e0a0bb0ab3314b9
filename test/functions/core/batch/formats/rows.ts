import { parquetWriteBuffer } from 'hyparquet-writer';
import type { Chunk } from '../../../../../functions/core/batch/contracts.ts';
import { type ReadBatch, rowsOf, type SourceRow } from '../../../../../functions/core/batch/formats/source-row.ts';

/** Every row of every batch, in order (Parquet's batches of columns turned into rows). */
export async function collect(batches: AsyncIterable<ReadBatch>): Promise<SourceRow[]> {
  const rows: SourceRow[] = [];
  for await (const batch of batches) rows.push(...rowsOf(batch));
  return rows;
}

/** A chunk with the defaults of an uncompressed CSV object read whole. */
export const chunkOf = (fields: Partial<Chunk> & Pick<Chunk, 'key'>): Chunk => ({ index: 0, format: 'csv', gzip: false, ...fields });

/** Byte-range chunks of `size` bytes covering [0, total), as the planner makes them. */
export const rangeChunks = (key: string, total: number, size: number, format: Chunk['format'] = 'csv'): Chunk[] =>
  Array.from({ length: Math.max(1, Math.ceil(total / size)) }, (_, index) => ({
    index,
    key,
    format,
    gzip: false,
    range: { start: index * size, end: Math.min((index + 1) * size, total) },
  }));

/** 2,500 rows in row groups of 1,000: [0,1000), [1000,2000), [2000,2500); pages of `pageSize` bytes at most (hyparquet-writer's 1 MiB by default). */
export function sampleParquet(rows = 2500, rowGroupSize = 1000, pageSize?: number): Uint8Array {
  const ids = Array.from({ length: rows }, (_, i) => `r${i}`);
  return new Uint8Array(
    parquetWriteBuffer({
      columnData: [
        { name: 'id', data: ids, type: 'STRING' },
        { name: 'x', data: Float64Array.from({ length: rows }, (_, i) => i / 4), type: 'DOUBLE' },
        { name: 'n', data: Array.from({ length: rows }, (_, i) => (i % 10 === 0 ? null : BigInt(i))), type: 'INT64' },
      ],
      rowGroupSize,
      pageSize,
    }),
  );
}
