import type { ObjectRef, ObjectStore } from '../../storage/object-store.ts';
import type { Chunk } from '../contracts.ts';
import { csvValues, parseCsvHeader, valuesFactory } from './csv-line.ts';
import { decodeLine, type Line, type LineCount, NOT_UTF8, placeRow, readLines, startsObject } from './lines.ts';
import { BATCH_ROWS, type SourceRow } from './source-row.ts';
import { BadInput } from '../job-errors.ts';
import { checkRequiredColumns, type RequiredColumns } from './required-columns.ts';

export interface Header {
  readonly names: string[];
  readonly build: (fields: readonly string[]) => Record<string, string>;
  /** Offset of the header line, so the chunk that owns that line does not take it for a row. */
  readonly offset: number;
}

const makeHeader = (names: string[], offset: number): Header => ({ names, build: valuesFactory(names), offset });

const HEADER_FIRST_READ = 16 * 1024;
const HEADER_MAX = 16 * 1024 * 1024;

/** What a chunk's reader asks of the header: the columns it reads, and those it cannot do without. */
export interface Needs {
  /** Only these columns must be named once in the header. */
  readonly needed?: readonly string[];
  /** A header without one of these fails the object. */
  readonly required?: RequiredColumns;
}

export interface CsvReadOptions extends Needs {
  /** Counts the lines the chunk owns. */
  readonly lines?: LineCount;
}

/** The header a line holds; one that is not UTF-8 fails the object, as its names could not be matched. */
function headerOf(line: Line, uri: string, { needed, required }: Needs): Header {
  if (line.notUtf8) throw new BadInput(`${uri}: the header line is ${NOT_UTF8}`);
  const names = parseCsvHeader(line.text, uri, needed);
  checkRequiredColumns(uri, 'CSV header', names, required);
  return makeHeader(names, line.offset);
}

/**
 * The header of an object, for a chunk that starts after byte 0: the first non-blank line, read with
 * small ranged reads from byte 0, doubled until the line is complete (a wide header costs a few
 * requests, never the object).
 */
async function readHeader(store: ObjectStore, object: ObjectRef, needs: Needs): Promise<Header | undefined> {
  const { key } = object;
  for (let size = HEADER_FIRST_READ; ; size *= 2) {
    const head = await readLinesOf(store, object, size);
    if (head.line) return headerOf(head.line, store.uri(key), needs);
    if (head.eof) return undefined;
    if (size >= HEADER_MAX) throw new BadInput(`${store.uri(key)}: no CSV header line within the first ${HEADER_MAX} bytes`);
  }
}

/** The first complete non-blank line within the first `size` bytes, if any. */
async function readLinesOf(store: ObjectStore, { key, etag }: ObjectRef, size: number): Promise<{ line?: Line; eof: boolean }> {
  const bytes = Buffer.from(await store.readBytes(key, { start: 0, end: size }, etag));
  const eof = bytes.length < size;
  let from = 0;
  while (from < bytes.length) {
    let nl = bytes.indexOf(0x0a, from);
    if (nl === -1) {
      if (!eof) return { eof };
      nl = bytes.length;
    }
    const line = decodeLine(bytes.subarray(from, nl), from);
    if (line) return { line, eof };
    from = nl + 1;
  }
  return { eof };
}

/**
 * The header of a chunk's object, as the chunk's rows need it: the object's first non-blank line,
 * met in passing by a chunk that starts at byte 0 (and by gzip, which reads whole objects), fetched
 * with a small ranged read by any other chunk, asked for as the chunk starts and awaited only once
 * that chunk meets a row (a problem of the header fails only chunks that have rows).
 */
export class ChunkHeader {
  #header: Header | undefined;
  readonly #fetching: Promise<Header | undefined> | undefined;

  constructor(
    private readonly store: ObjectStore,
    private readonly chunk: Chunk,
    private readonly needs: Needs,
  ) {
    this.#fetching = startsObject(chunk) ? undefined : readHeader(store, chunk, needs);
    this.#fetching?.catch(() => undefined);
  }

  /** The header, once met or fetched. */
  get known(): Header | undefined {
    return this.#header;
  }

  /** Whether the header is among the chunk's own lines: its first non-blank one. */
  get inLines(): boolean {
    return this.#fetching === undefined;
  }

  /** The header a line holds: the first non-blank line of a chunk that starts its object. */
  take(line: Line): Header {
    return (this.#header = headerOf(line, this.store.uri(this.chunk.key), this.needs));
  }

  /** The header fetched for a chunk further in. */
  async fetch(): Promise<Header> {
    const header = await this.#fetching;
    if (header === undefined) throw new BadInput(`${this.store.uri(this.chunk.key)}: no CSV header line`);
    return (this.#header = header);
  }
}

/**
 * CSV rows of a chunk (see ChunkHeader for its header). Every field is a string ('' when empty);
 * typing is the validator's job, where a bad number is reported with its column.
 */
export async function* readCsv(store: ObjectStore, chunk: Chunk, { needed, required, lines: counted }: CsvReadOptions = {}): AsyncGenerator<SourceRow[]> {
  const headers = new ChunkHeader(store, chunk, { needed, required });
  for await (const lines of readLines(store, chunk, BATCH_ROWS, counted)) {
    const rows: SourceRow[] = [];
    for (const l of lines) {
      const header = headers.known ?? (headers.inLines ? headers.take(l) : await headers.fetch());
      if (l.offset === header.offset) continue;
      const parsed = l.notUtf8 ? { error: NOT_UTF8 } : csvValues(header.names, l.text, header.build);
      const row: SourceRow = 'error' in parsed ? { offset: l.offset, error: parsed.error, raw: l.text } : { offset: l.offset, values: parsed.values, raw: l.text };
      placeRow(row, l);
      rows.push(row);
    }
    if (rows.length > 0) yield rows;
  }
}
