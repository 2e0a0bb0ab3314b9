import type { ColumnChunk, DecodedArray, SchemaElement } from 'hyparquet';
import { ByteWriter } from 'hyparquet-writer';
import { writeColumn } from 'hyparquet-writer/src/column.js';
import { writePageHeader } from 'hyparquet-writer/src/datapage.js';
import { writeRleBitPackedHybrid } from 'hyparquet-writer/src/encoding.js';
import { snappyCompress } from 'hyparquet-writer/src/snappy.js';
import type { PartColumn } from './part-writer.ts';

type Writer = Parameters<typeof writeColumn>[0]['writer'];

/**
 * One column of the row group being filled: takes the rows of each block, then writes them as one
 * column chunk and starts over for the next row group.
 */
export interface ColumnChunkWriter {
  /** Takes rows [from, to) of a block's column (kept, not copied: a block's columns are its own). */
  add(values: ArrayLike<unknown>, from: number, to: number): void;
  /** Writes the rows added since the last call as one column chunk at the writer's offset; returns its metadata for the footer. */
  write(out: Writer): ColumnChunk;
}

// Typed arrays are written as their own bytes, which Parquet's PLAIN encoding is on a little-endian host.
if (new Uint8Array(Uint16Array.of(1).buffer)[0] !== 1) throw new Error('Parquet parts are written on little-endian hosts only');

const toValue: Record<PartColumn['type'], (v: unknown) => unknown> = {
  string: (v) => (v === null || v === undefined ? null : typeof v === 'string' ? v : String(v)),
  float: (v) => (v === null || v === undefined ? null : typeof v === 'number' ? v : Number(v)),
  double: (v) => (v === null || v === undefined ? null : typeof v === 'number' ? v : Number(v)),
  int: (v) => (v === null || v === undefined ? null : typeof v === 'bigint' ? v : BigInt(Math.trunc(Number(v)))),
};

/** A required column's rows [from, to), refused at once if one is missing (a typed array cannot miss one). */
function requiredSlice(column: PartColumn, values: ArrayLike<unknown>, from: number, to: number): ArrayLike<unknown> {
  if (ArrayBuffer.isView(values)) return from === 0 && to === values.length ? values : (values as Float32Array).subarray(from, to);
  for (let r = from; r < to; r++) if (values[r] === null || values[r] === undefined) throw new Error(`output column ${column.name} is required, got ${values[r]}`);
  return from === 0 && to === values.length ? values : Array.prototype.slice.call(values, from, to);
}

/** A data page v2 without levels, uncompressed: what both lean encodings below write. */
function writeBarePage(out: Writer, encoding: 'PLAIN' | 'RLE_DICTIONARY', rows: number, bytes: number): number {
  const start = out.offset;
  writePageHeader(out, {
    type: 'DATA_PAGE_V2',
    uncompressed_page_size: bytes,
    compressed_page_size: bytes,
    data_page_header_v2: { num_values: rows, num_nulls: 0, num_rows: rows, encoding, definition_levels_byte_length: 0, repetition_levels_byte_length: 0, is_compressed: false },
  });
  return out.offset - start + bytes;
}

const chunkOf = (element: SchemaElement, meta: Omit<NonNullable<ColumnChunk['meta_data']>, 'type' | 'path_in_schema' | 'codec'>, start: number): ColumnChunk => ({
  meta_data: { type: element.type!, path_in_schema: [element.name], codec: 'UNCOMPRESSED', ...meta },
  file_offset: BigInt(start),
});

type Numbers = Float32Array | Float64Array | BigInt64Array;
const NUMBERS = { float: Float32Array, double: Float64Array, int: BigInt64Array } as const;

/**
 * Required scores (FLOAT, DOUBLE, INT64): one PLAIN page, uncompressed, without statistics, written
 * straight from the typed arrays the scores come in. They are high-entropy numbers (snappy saved 8%
 * of their bytes for a third of the writer's time), and rows kept in input order span the whole
 * range of scores in every row group, so min/max would prune nothing. A block that lost rows comes
 * as a plain array and is converted.
 */
function plainNumbers(column: PartColumn & { type: keyof typeof NUMBERS }, element: SchemaElement): ColumnChunkWriter {
  const Typed = NUMBERS[column.type];
  const convert = toValue[column.type];
  /** A piece as the column's typed array: itself if it is one, else its values converted. */
  const typed = (piece: ArrayLike<unknown>): Numbers => {
    if (piece instanceof Typed) return piece;
    const into = new Typed(piece.length);
    for (let i = 0; i < piece.length; i++) (into as unknown as unknown[])[i] = convert(piece[i]);
    return into;
  };
  let pieces: Numbers[] = [];
  return {
    add: (values, from, to) => void pieces.push(typed(requiredSlice(column, values, from, to))),
    write(out) {
      const rows = pieces.reduce((n, p) => n + p.length, 0);
      const start = out.offset;
      const size = writeBarePage(out, 'PLAIN', rows, rows * Typed.BYTES_PER_ELEMENT);
      for (const p of pieces) out.appendBytes(new Uint8Array(p.buffer, p.byteOffset, p.byteLength));
      pieces = [];
      return chunkOf(element, { encodings: ['PLAIN'], num_values: BigInt(rows), total_compressed_size: BigInt(out.offset - start), total_uncompressed_size: BigInt(size), data_page_offset: BigInt(start) }, start);
    },
  };
}

const utf8 = new TextEncoder();

/**
 * Required text (label, version): a dictionary page of the chunk's distinct values, then their codes
 * RLE/bit-packed, without statistics. A handful of values, the same ones row after row, so a row's
 * code is found by comparing it with the dictionary's first entries, and its map is asked only
 * beyond them; the version of every part is in the manifest, so statistics would tell nothing.
 */
function dictionaryText(column: PartColumn, element: SchemaElement): ColumnChunkWriter {
  /** Up to this many entries are compared with a row's value before the dictionary's map is asked. */
  const FIRST = 8;
  let dictionary: string[] = [];
  let codeOf = new Map<string, number>();
  let codes = new Int32Array(1024);
  let count = 0;
  const codeFromMap = (v: unknown): number => {
    if (v === null || v === undefined) throw new Error(`output column ${column.name} is required, got ${v}`);
    const text = toValue.string(v) as string;
    let code = codeOf.get(text);
    if (code === undefined) {
      code = dictionary.length;
      dictionary.push(text);
      codeOf.set(text, code);
    }
    return code;
  };
  return {
    add(values, from, to) {
      if (count + to - from > codes.length) {
        const grown = new Int32Array(Math.max(codes.length * 2, count + to - from));
        grown.set(codes.subarray(0, count));
        codes = grown;
      }
      for (let r = from; r < to; r++) {
        const v = values[r];
        let code = -1;
        for (let i = 0; i < dictionary.length && i < FIRST; i++) {
          if (dictionary[i] === v) {
            code = i;
            break;
          }
        }
        codes[count++] = code < 0 ? codeFromMap(v) : code;
      }
    },
    write(out) {
      const start = out.offset;
      const plain = new ByteWriter();
      for (const text of dictionary) {
        const bytes = utf8.encode(text);
        plain.appendUint32(bytes.length);
        plain.appendBytes(bytes);
      }
      writePageHeader(out, { type: 'DICTIONARY_PAGE', uncompressed_page_size: plain.offset, compressed_page_size: plain.offset, dictionary_page_header: { num_values: dictionary.length, encoding: 'PLAIN' } });
      out.appendBytes(plain.getBytes());
      const dataStart = out.offset;
      const packed = new ByteWriter();
      const bitWidth = Math.ceil(Math.log2(dictionary.length));
      packed.appendUint8(bitWidth);
      writeRleBitPackedHybrid(packed, codes.subarray(0, count), bitWidth);
      writeBarePage(out, 'RLE_DICTIONARY', count, packed.offset);
      out.appendBytes(packed.getBytes());
      const written = chunkOf(element, {
        encodings: ['PLAIN', 'RLE_DICTIONARY'],
        num_values: BigInt(count),
        total_compressed_size: BigInt(out.offset - start),
        total_uncompressed_size: BigInt(out.offset - start),
        data_page_offset: BigInt(dataStart),
        dictionary_page_offset: BigInt(start),
      }, start);
      // Each column chunk carries its own dictionary.
      dictionary = [];
      codeOf = new Map();
      count = 0;
      return written;
    },
  };
}

/**
 * Nullable columns (the id passed through): hyparquet-writer's own column writer, with its defaults
 * (snappy, statistics, a dictionary when it pays), one page per chunk.
 */
function generalColumn(column: PartColumn, element: SchemaElement, root: SchemaElement): ColumnChunkWriter {
  const convert = toValue[column.type];
  let pieces: ArrayLike<unknown>[] = [];
  return {
    add: (values, from, to) => void pieces.push(from === 0 && to === values.length ? values : Array.prototype.slice.call(values, from, to)),
    write(out) {
      const values = new Array<unknown>(pieces.reduce((n, p) => n + p.length, 0));
      const definitionLevels = new Array<number>(values.length);
      let at = 0;
      for (const piece of pieces) {
        for (let i = 0; i < piece.length; i++, at++) {
          values[at] = convert(piece[i]);
          definitionLevels[at] = values[at] === null ? 0 : 1;
        }
      }
      pieces = [];
      // One page: no page index to write.
      return writeColumn({
        writer: out,
        column: { columnName: column.name, element, schemaPath: [root, element], codec: 'SNAPPY', compressors: { SNAPPY: snappyCompress }, stats: true, pageSize: 0, columnIndex: false, offsetIndex: false },
        pageData: { values: values as DecodedArray, definitionLevels, repetitionLevels: [], maxDefinitionLevel: 1 },
      }).chunk;
    },
  };
}

/** The writer of a part column's chunks, `element` its schema element under `root`. */
export function columnChunkWriter(column: PartColumn, element: SchemaElement, root: SchemaElement): ColumnChunkWriter {
  if (!column.required) return generalColumn(column, element, root);
  return column.type === 'string' ? dictionaryText(column, element) : plainNumbers({ ...column, type: column.type }, element);
}
