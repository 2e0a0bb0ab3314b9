/**
 * One input row as the readers hand it to the worker: where it was (so a reject can be found in the
 * input), its values, or why it could not be parsed. Parse problems are rows, not exceptions, so
 * that one broken line costs one reject and every other row of the chunk is still accounted for.
 */
export interface SourceRow {
  /** 1-based line number within the object, when known: chunks that start at byte 0, gzip objects (header is line 1). */
  line?: number;
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

/** Rows per batch yielded by the readers: large enough to amortise per-batch work, small enough to stay out of the memory profile. */
export const BATCH_ROWS = 1000;
