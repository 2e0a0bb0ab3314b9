import type { UploadStream } from '../../storage/object-store.ts';
import type { OutputFormat } from '../contracts.ts';
import { csvPartWriter } from './csv-writer.ts';
import { jsonlPartWriter } from './jsonl-writer.ts';
import { parquetPartWriter } from './parquet-part-writer.ts';

/**
 * A column of an output part. `float` holds float32 values (a model's usual scores): Parquet FLOAT,
 * and in text the shortest decimal that reads back as the same float32. `int` is a Parquet INT64.
 */
export interface PartColumn {
  readonly name: string;
  readonly type: 'string' | 'float' | 'double' | 'int';
  /** Never null: a Parquet REQUIRED column, stored without definition levels. @default false */
  readonly required?: boolean;
}

/**
 * Rows of an output part as columns, in column order: `values[c][r]` is row r's value of column c,
 * for rows [0, rows). Scores stay in the typed arrays they come in; no array is made per row.
 */
export interface PartBlock {
  readonly rows: number;
  readonly values: readonly ArrayLike<unknown>[];
}

/**
 * Writes an output part: blocks of rows in the order given (a part keeps its chunk's input order).
 * `write` resolves once the sink accepted the rows (backpressure); `end` resolves once the part is
 * stored. null/undefined are missing values in every format.
 */
export interface PartWriter {
  write(block: PartBlock): Promise<void>;
  end(): Promise<void>;
}

export function createPartWriter(format: OutputFormat, columns: readonly PartColumn[], sink: UploadStream): PartWriter {
  switch (format) {
    case 'csv':
      return csvPartWriter(columns, sink);
    case 'jsonl':
      return jsonlPartWriter(columns, sink);
    case 'parquet':
      return parquetPartWriter(columns, sink);
  }
}

/** The block without the rows in `drop`, rows of the block (rows a model answered with NaN, say), the others in order. */
export function withoutRows(block: PartBlock, drop: ReadonlySet<number>): PartBlock {
  const keep = (_: unknown, r: number) => !drop.has(r);
  return { rows: block.rows - drop.size, values: block.values.map((column) => Array.prototype.filter.call(column, keep)) };
}
