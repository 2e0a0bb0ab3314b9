/**
 * One input row as the readers hand it to the worker: where it was (so a reject can be found in the
 * input), its values, or why it could not be parsed. Parse problems are rows, not exceptions, so
 * that one broken line costs one reject and every other row of the chunk is still accounted for.
 */
export interface SourceRow {
  /** 1-based line number within the object, when known: chunks that start at byte 0, gzip objects (header is line 1). */
  line?: number;
  /** Else the row's 1-based number among the lines its chunk owns, which finalize makes a line number. */
  chunkLine?: number;
  /** Byte offset of the row's first byte within the (uncompressed) object: exact for every CSV/JSONL row. */
  offset?: number;
  /** 0-based row index within a Parquet object. */
  row?: number;
  /** Values by column name: strings for CSV (empty field = ''), JSON values for JSONL, typed values for Parquet (BigInt allowed). */
  values?: Record<string, unknown>;
  /** Why the row could not be parsed: broken quoting, wrong number of fields, invalid JSON, not an object... */
  error?: string;
  /** The row's raw text (CSV/JSONL), kept with rejects. */
  raw?: string;
}

/** A row's own value of a column: a column named like an Object property (`constructor`) is not inherited from the prototype. */
export const ownValue = (values: Record<string, unknown> | undefined, column: string): unknown =>
  values !== undefined && Object.hasOwn(values, column) ? values[column] : undefined;

/** Rows per batch yielded by the readers: large enough to amortise per-batch work, small enough to stay out of the memory profile. */
export const BATCH_ROWS = 1000;

/**
 * Rows as decoded columns, so that the worker checks and packs them column by column and no object
 * is built per row (which cost more than decoding a Parquet file, or splitting a CSV line): the rows
 * of a Parquet page, or CSV rows read by columns.
 */
export interface ColumnBatch {
  /** Object row index of the batch's first row (Parquet; text rows are placed by `text`). */
  readonly firstRow: number;
  readonly rows: number;
  /** Every column read, by name, `rows` values each (typed arrays or arrays; null is missing). */
  readonly columns: ReadonlyMap<string, ArrayLike<unknown>>;
  /** Rows read from text lines: where each is, its text, and which could not be parsed. */
  readonly text?: TextRows;
}

/** Where the rows of a column batch read from text lines are, and which could not be parsed. */
export interface TextRows {
  /** Row i's place in the input, its raw text and, when it could not be parsed, why: a SourceRow without values. */
  source(i: number): SourceRow;
  /** The rows that could not be parsed (a wrong number of fields, broken quoting...), with why; their column values mean nothing. */
  readonly errors: ReadonlyMap<number, string>;
}

/** What a reader yields: a batch of rows, or (Parquet) a batch of columns. */
export type ReadBatch = SourceRow[] | ColumnBatch;

export const isColumnBatch = (batch: ReadBatch): batch is ColumnBatch => !Array.isArray(batch);

export const batchRows = (batch: ReadBatch): number => (isColumnBatch(batch) ? batch.rows : batch.length);

/** Row `i` of a column batch as a SourceRow, for rejects and for readers of rows. */
export function columnRow(batch: ColumnBatch, i: number): SourceRow {
  const row: SourceRow = batch.text ? batch.text.source(i) : { row: batch.firstRow + i };
  if (row.error !== undefined) return row;
  // Defined, not assigned: a column named `__proto__` is a value like any other.
  const values = Object.fromEntries([...batch.columns].map(([name, column]) => [name, column[i]]));
  return { ...row, values };
}

/** A batch as rows, whatever its shape. */
export const rowsOf = (batch: ReadBatch): SourceRow[] =>
  isColumnBatch(batch) ? Array.from({ length: batch.rows }, (_, i) => columnRow(batch, i)) : batch;
