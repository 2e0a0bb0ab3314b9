import type { ObjectStore } from '../../storage/object-store.ts';
import type { Chunk } from '../contracts.ts';
import { POWERS_OF_TEN } from '../powers-of-ten.ts';
import { plainDecimal } from '../row-values.ts';
import { csvValues } from './csv-line.ts';
import { ChunkHeader, type CsvReadOptions, type Header } from './csv-reader.ts';
import { decodeLine, type LineVisitor, NOT_UTF8, scanLines, startsObject } from './lines.ts';
import { BATCH_ROWS, type ColumnBatch, type SourceRow, type TextRows } from './source-row.ts';

export interface CsvColumnsOptions extends CsvReadOptions {
  /** Columns read as numbers where a field is a plain decimal (`-12.5`, `1001`); their other fields stay text. */
  readonly numeric: readonly string[];
  /** Rows per batch: as many as one scoring run takes, say. @default BATCH_ROWS */
  readonly batchRows?: number;
}

const COMMA = 0x2c;
const QUOTE = 0x22;
const POINT = 0x2e;
const MINUS = 0x2d;
const CR = 0x0d;

/** A column read: its index in the header, and its values so far. */
interface Column {
  readonly name: string;
  readonly index: number;
  /** Plain decimals of a numeric column, until its first other field. */
  numbers?: Float64Array;
  /** Values once a numeric column met a field that is not a plain decimal, or a text column's: numbers and strings. */
  values?: unknown[];
}

/** Where the rows of a batch are, kept as numbers and buffer references: a row's text is decoded only when it is rejected. */
class RowPlaces implements TextRows {
  readonly errors = new Map<number, string>();
  readonly offsets: Float64Array;
  readonly numbers: Float64Array;
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  readonly buffers: Buffer[] = [];
  readonly bufferOf: Int32Array;

  constructor(
    private readonly inChunk: boolean,
    size: number,
  ) {
    this.offsets = new Float64Array(size);
    this.numbers = new Float64Array(size);
    this.starts = new Int32Array(size);
    this.ends = new Int32Array(size);
    this.bufferOf = new Int32Array(size);
  }

  add(row: number, bytes: Buffer, start: number, end: number, offset: number, number: number): void {
    if (this.buffers.at(-1) !== bytes) this.buffers.push(bytes);
    this.bufferOf[row] = this.buffers.length - 1;
    this.starts[row] = start;
    this.ends[row] = end;
    this.offsets[row] = offset;
    this.numbers[row] = number;
  }

  source(i: number): SourceRow {
    const offset = this.offsets[i]!;
    const raw = decodeLine(this.buffers[this.bufferOf[i]!]!.subarray(this.starts[i]!, this.ends[i]!), offset)?.text ?? '';
    const error = this.errors.get(i);
    const place = this.inChunk ? { chunkLine: this.numbers[i]! } : { line: this.numbers[i]! };
    return { offset, ...place, raw, ...(error !== undefined && { error }) };
  }
}

/**
 * A batch of CSV rows as columns: the fields of the columns read, numbers where a numeric column's
 * field is a plain decimal, read straight from the line's bytes.
 */
class ColumnsBuilder {
  rows = 0;
  places: RowPlaces;
  readonly columns: Column[];
  /** The read column of each header field, or undefined. */
  readonly #byField: (Column | undefined)[];
  readonly #numeric: boolean[];

  constructor(
    readonly header: Header,
    read: readonly string[],
    numeric: ReadonlySet<string>,
    private readonly inChunk: boolean,
    readonly size: number,
  ) {
    // The header's fields that are read, as the Parquet reader takes the file's columns that are: a
    // name asked for twice (a feature that is also the id) is one column.
    this.#byField = header.names.map((name, index) => (read.includes(name) ? { name, index } : undefined));
    this.columns = this.#byField.filter((c) => c !== undefined);
    this.#numeric = this.#byField.map((c) => c !== undefined && numeric.has(c.name));
    this.places = new RowPlaces(inChunk, size);
    this.#fresh();
  }

  #fresh(): void {
    for (let c = 0; c < this.columns.length; c++) {
      const column = this.columns[c]!;
      const numeric = this.#numeric[column.index]!;
      column.numbers = numeric ? new Float64Array(this.size) : undefined;
      column.values = numeric ? undefined : new Array<unknown>(this.size);
    }
  }

  /** Stores a field's value in its column; a numeric column's first value that is not a number turns it into an array. */
  #set(column: Column, row: number, value: unknown): void {
    if (column.numbers !== undefined) {
      if (typeof value === 'number') {
        column.numbers[row] = value;
        return;
      }
      column.values = Array.from(column.numbers.subarray(0, row));
      column.values.length = this.size;
      column.numbers = undefined;
    }
    column.values![row] = value;
  }

  /** Reads a line the chunk owns, unless it is blank or the header (which a chunk further in may own). */
  line(bytes: Buffer, start: number, end: number, offset: number, number: number): void {
    if (offset === this.header.offset) return;
    if (!this.#fast(bytes, start, end, offset, number)) this.#slow(bytes, start, end, offset, number);
  }

  /**
   * Reads a line that holds no quote, no byte outside ASCII and does not start with a space or a
   * control character (every usual data line): fields split at commas, plain decimals read from their
   * digits (exactly as `Number` reads them, see plainDecimal), other fields of the read columns as
   * text. False for any other line, whose first fields it may have stored already: the slow way
   * stores every field of the row again.
   */
  #fast(bytes: Buffer, start: number, end: number, offset: number, number: number): boolean {
    if (start === end || bytes[start]! <= 0x20) return false;
    // The row's text is decoded from the line's bytes as they are (decodeLine drops one final CR).
    const lineEnd = end;
    if (bytes[end - 1] === CR) end--;
    const row = this.rows;
    const width = this.header.names.length;
    let field = 0;
    let p = start;
    while (true) {
      const from = p;
      const column = field < width ? this.#byField[field] : undefined;
      let mantissa = 0;
      let digits = 0;
      let point = -1;
      let plain = true;
      for (; p < end; p++) {
        const b = bytes[p]!;
        if (b === COMMA) break;
        if (b === QUOTE || b >= 0x80) return false;
        const digit = b - 48;
        if (digit >= 0 && digit <= 9) {
          mantissa = mantissa * 10 + digit;
          digits++;
        } else if (b === POINT && point < 0) point = p;
        else if (!(b === MINUS && p === from)) plain = false;
      }
      if (column !== undefined) {
        if (this.#numeric[field] && plain && digits > 0 && digits <= 15) {
          const value = point < 0 ? mantissa : mantissa / POWERS_OF_TEN[p - 1 - point]!;
          this.#set(column, row, bytes[from] === MINUS ? -value : value);
        } else this.#set(column, row, bytes.toString('latin1', from, p));
      }
      field++;
      if (p >= end) break;
      p++;
    }
    if (field !== width) this.places.errors.set(row, `expected ${width} fields (as the header), got ${field}`);
    this.places.add(row, bytes, start, lineEnd, offset, number);
    this.rows++;
    return true;
  }

  /** Reads any other line as the row reader does (decoded, csv-parse for quotes), unless it is blank. */
  #slow(bytes: Buffer, start: number, end: number, offset: number, number: number): void {
    const line = decodeLine(bytes.subarray(start, end), offset, number, this.inChunk);
    if (!line) return;
    const row = this.rows;
    const parsed = line.notUtf8 ? { error: NOT_UTF8 } : csvValues(this.header.names, line.text, this.header.build);
    if ('error' in parsed) this.places.errors.set(row, parsed.error);
    else {
      for (const column of this.columns) {
        const text = parsed.values[column.name]!;
        this.#set(column, row, this.#numeric[column.index] ? (plainDecimal(text) ?? text) : text);
      }
    }
    this.places.add(row, bytes, start, end, offset, number);
    this.rows++;
  }

  /** The rows so far as a batch, and a fresh batch begun. */
  take(): ColumnBatch {
    const rows = this.rows;
    const columns = new Map<string, ArrayLike<unknown>>();
    for (const column of this.columns) {
      if (column.numbers !== undefined) columns.set(column.name, column.numbers.subarray(0, rows));
      else {
        column.values!.length = rows;
        columns.set(column.name, column.values!);
      }
    }
    const batch: ColumnBatch = { firstRow: 0, rows, columns, text: this.places };
    this.rows = 0;
    this.places = new RowPlaces(this.inChunk, this.size);
    this.#fresh();
    return batch;
  }
}

/**
 * CSV rows of a chunk as columns (the `needed` ones, else every column of the header), the rows
 * `readCsv` gives with the same values, places, texts and reasons, without a string per field or an
 * object per row: the fields of `numeric` columns that are plain decimals are numbers, read from the
 * line's bytes, and any other field is its text. A row that cannot be parsed is in `text.errors`.
 */
export async function* readCsvColumns(store: ObjectStore, chunk: Chunk, { needed, required, numeric, batchRows = BATCH_ROWS, lines: counted }: CsvColumnsOptions): AsyncGenerator<ColumnBatch> {
  const headers = new ChunkHeader(store, chunk, { needed, required });
  const numericSet = new Set(numeric);
  const inChunk = !startsObject(chunk);
  let builder: ColumnsBuilder | undefined;
  const begin = (header: Header) => new ColumnsBuilder(header, needed ?? header.names, numericSet, inChunk, batchRows);
  /** The first row of a chunk further in, met before its header was fetched. */
  let waiting: Parameters<LineVisitor> | undefined;
  const visit: LineVisitor = (bytes, start, end, offset, number) => {
    if (builder) {
      builder.line(bytes, start, end, offset, number);
      return builder.rows >= batchRows;
    }
    const line = decodeLine(bytes.subarray(start, end), offset, number, inChunk);
    if (!line) return false;
    if (headers.inLines) {
      builder = begin(headers.take(line));
      return false;
    }
    waiting = [bytes, start, end, offset, number];
    return true;
  };
  const resume = async (line: Parameters<LineVisitor>) => {
    waiting = undefined;
    builder = begin(await headers.fetch());
    builder.line(...line);
  };
  for await (const _ of scanLines(store, chunk, visit, counted)) {
    if (waiting) await resume(waiting);
    if (builder && builder.rows >= batchRows) yield builder.take();
  }
  // A first row that was the chunk's last line is met after the scan ends.
  if (waiting) await resume(waiting);
  if (builder && builder.rows > 0) yield builder.take();
}
