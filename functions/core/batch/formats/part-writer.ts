import type { UploadStream } from '../../storage/object-store.ts';
import type { OutputFormat } from '../contracts.ts';
import { csvPartWriter } from './csv-writer.ts';
import { jsonlPartWriter } from './jsonl-writer.ts';
import { parquetPartWriter } from './parquet-part-writer.ts';

/** A column of an output part. `int` is written as a 64-bit integer in Parquet. */
export interface PartColumn {
  readonly name: string;
  readonly type: 'string' | 'double' | 'int';
  /** Never null: a Parquet REQUIRED column, stored without definition levels. @default false */
  readonly required?: boolean;
}

/**
 * Writes an output part: rows as arrays in column order, in the order given (a part keeps its
 * chunk's input order). `write` resolves once the sink accepted the rows (backpressure); `end`
 * resolves once the part is stored. null/undefined are missing values in every format.
 */
export interface PartWriter {
  write(rows: readonly (readonly unknown[])[]): Promise<void>;
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
