import { isUtf8 } from 'node:buffer';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type { ObjectRef, ObjectStore } from '../../storage/object-store.ts';
import { readAhead } from '../../storage/read-ahead.ts';
import type { Chunk } from '../contracts.ts';
import { BATCH_ROWS } from './source-row.ts';
import { BadInput } from '../job-errors.ts';

/** One non-blank line of text, without its line ending. */
export interface Line {
  readonly text: string;
  /** Byte offset of the line's first byte within the (uncompressed) object. */
  readonly offset: number;
  /** 1-based line number, for a chunk that starts the object. */
  readonly line?: number;
  /** Else its 1-based number among the lines the chunk owns: finalize, which learns where the chunk stands, makes it a line number. */
  readonly chunkLine?: number;
  /** Set when the line's bytes are not UTF-8: its text then holds U+FFFD where they were. */
  readonly notUtf8?: true;
}

/**
 * The reason given for a line whose bytes are not UTF-8 (a Latin-1 export, say). Decoded anyway it
 * would read with U+FFFD in place of each such character, and two ids could become one.
 */
export const NOT_UTF8 = 'not UTF-8 text: save the file as UTF-8';

export type LineSource = Pick<Chunk, 'key' | 'gzip' | 'range' | 'size' | 'etag'>;

/** Whether a chunk reads its object from byte 0 (a whole object, or the first range): it sees the header and knows its line numbers. */
export const startsObject = (chunk: LineSource): boolean => chunk.gzip || !chunk.range || chunk.range.start === 0;

/** Where a row's line is, as the row keeps it: its line number, or its number among its chunk's lines. */
export function placeRow(row: { line?: number; chunkLine?: number }, line: Line): void {
  if (line.line !== undefined) row.line = line.line;
  else if (line.chunkLine !== undefined) row.chunkLine = line.chunkLine;
}

/** The lines a chunk owns, blank ones too, counted as it is read: where the next chunk's lines start. */
export interface LineCount {
  count: number;
}

const NL = 0x0a;
/**
 * Bytes read past the range's end by the range's own read, where the line that started before the
 * end almost always ends: one request a chunk. A longer line costs further reads, each twice the
 * last, up to the cap, so a long line costs few requests.
 */
const TAIL_FIRST = 64 * 1024;
const TAIL_MAX = 8 * 1024 * 1024;
/** Bytes downloaded ahead of the line scanner, so that the GET runs while rows are parsed and scored. */
const READ_AHEAD = 8 * 1024 * 1024;

/**
 * The object's bytes from `start`: the range [start, end + TAIL_FIRST) streamed by one ranged read,
 * then, only as long as the caller keeps pulling, further ranged reads until the object's end. The
 * line scanner stops pulling as soon as the line that started before `end` is complete, so a chunk
 * reads its range plus at most one line (rounded up to a read), never the rest of the object.
 */
async function* rangeBytes(store: ObjectStore, { key, etag }: ObjectRef, start: number, end: number): AsyncGenerator<Buffer> {
  let pos = start;
  let until = end + TAIL_FIRST;
  for await (const piece of readAhead(await store.read(key, { start, end: until }, etag), READ_AHEAD)) {
    pos += piece.length;
    yield piece;
  }
  for (let size = TAIL_FIRST * 2; pos === until; size = Math.min(size * 2, TAIL_MAX)) {
    until = pos + size;
    for await (const piece of await store.read(key, { start: pos, end: until }, etag)) {
      pos += (piece as Buffer).length;
      yield piece as Buffer;
    }
  }
}

/**
 * The gzip stream no attempt can decode: corrupt (a bad header or checksum), or cut short at the
 * object's own end, all of whose `size` bytes were read. A read that ended early is not one: it is
 * retried.
 */
function gzipProblem(err: unknown, uri: string, received: number, size: number | undefined): BadInput | undefined {
  const { code, message } = err as NodeJS.ErrnoException;
  if (code === 'Z_DATA_ERROR') return new BadInput(`${uri}: not a readable gzip stream (${message}): compress the file again`);
  if (code === 'Z_BUF_ERROR' && size !== undefined && received >= size) return new BadInput(`${uri}: the gzip stream is cut short (${message}): the file is incomplete`);
  return undefined;
}

/** The whole object, gunzipped when asked: one streamed GET, bounded memory whatever its size. */
async function* wholeBytes(store: ObjectStore, { key, size, etag }: ObjectRef, gzip: boolean): AsyncGenerator<Buffer> {
  const body = await store.read(key, undefined, etag);
  if (!gzip) {
    yield* readAhead(body, READ_AHEAD);
    return;
  }
  const gunzip = createGunzip();
  let compressedBytes = 0;
  body.on('data', (bytes: Buffer) => (compressedBytes += bytes.length));
  // pipeline forwards a failing GET to gunzip (and destroys the GET when the consumer stops early).
  const piping = pipeline(body, gunzip);
  piping.catch(() => undefined);
  try {
    yield* readAhead(gunzip, READ_AHEAD);
    await piping;
  } catch (err) {
    // An empty object holds no rows, compressed or not; gunzip alone would call it a truncated stream.
    // A read that failed before its first byte is not one, when the plan saw bytes.
    if (compressedBytes === 0 && !size) return;
    throw gzipProblem(err, store.uri(key), compressedBytes, size) ?? err;
  }
}

const isBlank = (text: string) => {
  const c = text.charCodeAt(0);
  return text.length === 0 || ((c <= 32 || c === 0xa0 || c === 0xfeff) && text.trim() === '');
};

/** Whether `text`, decoded from `bytes`, stands for bytes that are not UTF-8: only a text holding U+FFFD can (or that character itself), so the bytes are checked only then. */
export const decodedFromNonUtf8 = (text: string, bytes: Uint8Array): boolean => text.includes('\uFFFD') && !isUtf8(bytes);

/**
 * The line a line's bytes hold, as every line reader decodes it: without its '\r', without a
 * byte-order mark at offset 0, marked when the bytes are not UTF-8; undefined for a blank line,
 * which is not a row.
 */
export function decodeLine(bytes: Buffer, offset: number, number?: number, inChunk = false): Line | undefined {
  let text = bytes.toString('utf8');
  if (text.charCodeAt(text.length - 1) === 0x0d) text = text.slice(0, -1);
  if (offset === 0 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (isBlank(text)) return undefined;
  const decoded: Line = number === undefined ? { text, offset } : inChunk ? { text, offset, chunkLine: number } : { text, offset, line: number };
  return decodedFromNonUtf8(text, bytes) ? { ...decoded, notUtf8: true } : decoded;
}

/**
 * Told of each line a chunk owns, blank ones too: its bytes are `bytes[start, end)` (without the
 * '\n'), `offset` where its first byte is in the (uncompressed) object, `number` its 1-based number
 * (a line number when the chunk starts its object, else its number among the chunk's lines). The
 * bytes are only valid during the call unless kept with their buffer. Returns true when its batch
 * is full, which hands the batch to the reader's consumer before the next line.
 */
export type LineVisitor = (bytes: Buffer, start: number, end: number, offset: number, number: number) => boolean;

/**
 * Every line a chunk owns, to `visit`, with exact byte offsets; yields whenever `visit` says its
 * batch is full. The ownership rule makes every line of an object belong to exactly one chunk,
 * whatever the chunk size and wherever lines cross boundaries: a chunk [start, end) owns each line
 * whose first byte lies in [start, end). A chunk with start > 0 therefore reads from start - 1 and
 * drops everything up to and including the first '\n' (a line starting exactly at `start` follows a
 * '\n' at start - 1, so it is kept), and it keeps reading past `end` until the line that started
 * before `end` is complete. A final line without '\n' is a line. Every chunk counts the lines it
 * owns in `counted`.
 */
export async function* scanLines(store: ObjectStore, chunk: LineSource, visit: LineVisitor, counted?: LineCount): AsyncGenerator<void> {
  const range = chunk.gzip ? undefined : chunk.range;
  const start = range?.start ?? 0;
  const end = range?.end ?? Infinity;
  const from = start > 0 ? start - 1 : 0;
  const bytes = range ? rangeBytes(store, chunk, from, end) : wholeBytes(store, chunk, chunk.gzip);

  let skipping = start > 0; // dropping the tail of the line that holds byte start - 1
  const owned = counted ?? { count: 0 };
  let lineStart = from; // offset of the line being assembled (once skipping is over)
  let pending: Buffer[] = []; // its bytes from earlier pieces
  let base = from; // offset of the current piece

  try {
    pieces: for await (const piece of bytes) {
      let i = 0;
      if (skipping) {
        const nl = piece.indexOf(NL);
        if (nl === -1) {
          base += piece.length;
          if (base >= end) break; // no line starts inside [start, end)
          continue;
        }
        skipping = false;
        i = nl + 1;
        lineStart = base + i;
      }
      while (true) {
        if (pending.length === 0 && lineStart >= end) break pieces;
        const nl = piece.indexOf(NL, i);
        if (nl === -1) {
          if (i < piece.length) pending.push(piece.subarray(i));
          break;
        }
        let full: boolean;
        if (pending.length === 0) full = visit(piece, i, nl, lineStart, ++owned.count);
        else {
          const joined = Buffer.concat([...pending, piece.subarray(i, nl)]);
          full = visit(joined, 0, joined.length, lineStart, ++owned.count);
        }
        pending = [];
        i = nl + 1;
        lineStart = base + i;
        if (full) yield;
      }
      base += piece.length;
    }
    // End of the object with a last line that has no '\n'.
    if (!skipping && pending.length > 0 && lineStart < end) {
      const joined = Buffer.concat(pending);
      visit(joined, 0, joined.length, lineStart, ++owned.count);
    }
  } finally {
    await bytes.return(undefined);
  }
}

/**
 * The lines a chunk owns (see `scanLines`), decoded, in batches. Whitespace-only lines are not rows
 * and are skipped; '\r\n' endings lose their '\r'; a UTF-8 byte-order mark at offset 0 is dropped.
 *
 * Line numbers: whole objects (gzip) and chunks at byte 0 number their lines from 1 (`line`); a chunk
 * further in cannot know where it stands, and numbers the lines it owns from 1 (`chunkLine`).
 */
export async function* readLines(store: ObjectStore, chunk: LineSource, batchSize = BATCH_ROWS, counted?: LineCount): AsyncGenerator<Line[]> {
  const inChunk = !startsObject(chunk);
  let batch: Line[] = [];
  const visit: LineVisitor = (bytes, start, end, offset, number) => {
    const line = decodeLine(bytes.subarray(start, end), offset, number, inChunk);
    if (line) batch.push(line);
    return batch.length >= batchSize;
  };
  for await (const _ of scanLines(store, chunk, visit, counted)) {
    yield batch;
    batch = [];
  }
  if (batch.length > 0) yield batch;
}
