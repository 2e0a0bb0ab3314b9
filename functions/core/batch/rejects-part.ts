import type { Location, UploadStream } from '../storage/object-store.ts';
import { joinKey } from '../storage/location.ts';
import { endSink, writeTo } from './formats/sink.ts';

/** A rejected row as kept in `rejects/part-NNNNN.jsonl`: where it was, why, and what it held. */
export interface RejectedRow {
  readonly key: string;
  readonly line?: number;
  /** The row's number among its chunk's lines, until finalize makes it `line` (see number-rejects.ts). */
  readonly chunkLine?: number;
  readonly offset?: number;
  readonly row?: number;
  readonly reasons: string[];
  readonly raw?: string;
  readonly values?: Record<string, unknown>;
}

/** JSON has no BigInt, NaN or Infinity: such values (from Parquet) are kept as their text, not turned into null. */
const toJsonLine = (reject: RejectedRow) =>
  `${JSON.stringify(reject, (_, v: unknown) => (typeof v === 'bigint' || (typeof v === 'number' && !Number.isFinite(v)) ? String(v) : v))}\n`;

/**
 * The rejects part of a chunk (Lambda path) or of an input object (Batch Transform): rejected rows
 * buffered as JSON lines and streamed to their object with backpressure. The object is opened on the
 * first rejected row, so a part that rejects nothing leaves no empty object behind.
 */
export class RejectsPart {
  /** Rows added so far. */
  rows = 0;
  private text = '';
  private sink?: UploadStream;

  /** `key` is relative to the output prefix. */
  constructor(
    private readonly output: Location,
    readonly key: string,
  ) {}

  add(row: RejectedRow): void {
    this.rows++;
    this.text += toJsonLine(row);
  }

  /** Writes the rows added since the last flush. */
  async flush(): Promise<void> {
    if (this.text === '') return;
    this.sink ??= this.output.store.upload(joinKey(this.output.key, this.key));
    const text = this.text;
    this.text = '';
    await writeTo(this.sink, text);
  }

  /** Writes the rest and waits until the object is stored. */
  async end(): Promise<void> {
    await this.flush();
    if (this.sink) await endSink(this.sink);
  }

  /** Gives the upload up after a failure: nothing is stored, the retry writes the part again. */
  async abort(error: Error): Promise<void> {
    this.sink?.stream.destroy(error);
    await this.sink?.done.catch(() => undefined);
  }
}
