import type { ColumnChunk, DecodedArray } from 'hyparquet';
import type { ColumnDecoder, SchemaTree } from 'hyparquet/src/types.js';
import { parquetHeader, readPage } from 'hyparquet/src/column.js';
import { convert, convertWithDictionary, DEFAULT_PARSERS } from 'hyparquet/src/convert.js';
import { decompressPage, readDataPage, readDataPageV2 } from 'hyparquet/src/datapage.js';
import { getMaxDefinitionLevel, getTreePath, isFlatColumn } from 'hyparquet/src/schema.js';
import { BadInput } from '../job-errors.ts';
import { decodedFromNonUtf8 } from './lines.ts';
import { PARQUET_DECOMPRESSORS, READ_CODECS } from './parquet-codecs.ts';

/** Why a string whose bytes are not UTF-8 is refused. */
export const NOT_UTF8_STRING = 'not UTF-8 text: a Parquet string must be UTF-8';

/**
 * A string value whose bytes are not UTF-8 (a Latin-1 writer's, say). Decoded anyway it reads with
 * U+FFFD in place of each such character, and two ids could become one; so it is kept apart, and
 * refused where a row uses it. It prints as that decoded text (in a reject's values).
 */
export class NotUtf8String {
  constructor(readonly text: string) {}
  toJSON(): string {
    return this.text;
  }
  toString(): string {
    return this.text;
  }
}

const decoder = new TextDecoder();
/** hyparquet's parsers, but a string that is not UTF-8 comes as a NotUtf8String. */
const PARSERS = {
  ...DEFAULT_PARSERS,
  stringFromBytes(bytes: Uint8Array | undefined): string | NotUtf8String | undefined {
    if (!bytes) return bytes;
    const text = decoder.decode(bytes);
    return decodedFromNonUtf8(text, bytes) ? new NotUtf8String(text) : text;
  },
};

/** Where a column chunk's bytes are in the file: its dictionary page, if any, then its data pages. */
export function columnChunkRange(chunk: ColumnChunk): { start: number; end: number } {
  const meta = chunk.meta_data!;
  const start = Number(meta.dictionary_page_offset || meta.data_page_offset);
  return { start, end: start + Number(meta.total_compressed_size) };
}

/**
 * How hyparquet decodes a column's pages (as its row-group reader sets it up), given the file's
 * schema tree (`parquetSchema(metadata)`, built once per file). Only flat columns are read page by
 * page: a list, map or struct column's pages do not hold whole rows.
 */
export function columnDecoder(schema: SchemaTree, chunk: ColumnChunk, uri: string): ColumnDecoder {
  const meta = chunk.meta_data!;
  const schemaPath = getTreePath(schema, meta.path_in_schema);
  if (!isFlatColumn(schemaPath)) {
    throw new BadInput(`${uri}: column "${meta.path_in_schema[0]}" is nested (a list, map or struct); features and the id column must be flat columns`);
  }
  if (!READ_CODECS.has(meta.codec)) {
    throw new BadInput(`${uri}: column "${meta.path_in_schema[0]}" is compressed with ${meta.codec}, which is not read: write the file with ${[...READ_CODECS].filter((c) => c !== 'UNCOMPRESSED').join(', ')} or no compression`);
  }
  return { pathInSchema: meta.path_in_schema, element: schemaPath.at(-1)!.element, schemaPath, type: meta.type, codec: meta.codec, parsers: PARSERS as typeof DEFAULT_PARSERS, compressors: PARQUET_DECOMPRESSORS };
}

/**
 * A flat column's page values with its nulls in place, in one pass: what hyparquet's list assembler
 * gives for a flat column, which walks nested structure for every value and was over half of reading
 * an OPTIONAL column (pyarrow's default). A page without nulls keeps the array its values came in.
 */
function withNulls(values: DecodedArray, definitionLevels: readonly number[] | undefined, maxDefinitionLevel: number): DecodedArray {
  if (!definitionLevels?.length || values.length === definitionLevels.length) return values;
  const rows = new Array<unknown>(definitionLevels.length);
  for (let i = 0, v = 0; i < rows.length; i++) rows[i] = definitionLevels[i] === maxDefinitionLevel ? values[v++] : null;
  return rows as DecodedArray;
}

/**
 * A flat column chunk's values, one decoded data page at a time: memory holds one page of the
 * column, not the whole row group. Pages are read in file order from the chunk's own bytes, data
 * pages as hyparquet's page reader reads them but for the assembly of nulls (`withNulls`).
 */
export function* columnPages(bytes: ArrayBuffer, decoder: ColumnDecoder): Generator<DecodedArray> {
  const reader = { view: new DataView(bytes), offset: 0 };
  const maxDefinitionLevel = getMaxDefinitionLevel(decoder.schemaPath);
  let dictionary: DecodedArray | undefined;
  // As hyparquet's own column reader: a last byte alone is no page (some writers leave one).
  while (reader.offset < bytes.byteLength - 1) {
    const header = parquetHeader(reader);
    const v1 = header.type === 'DATA_PAGE' ? header.data_page_header : undefined;
    const v2 = header.type === 'DATA_PAGE_V2' ? header.data_page_header_v2 : undefined;
    if (v1 || v2) {
      const compressed = new Uint8Array(bytes, reader.offset, header.compressed_page_size);
      reader.offset += header.compressed_page_size;
      const page = v1
        ? readDataPage(decompressPage(compressed, header.uncompressed_page_size, decoder.codec, decoder.compressors), v1, decoder)
        : readDataPageV2(compressed, header, decoder);
      const values = withNulls(convertWithDictionary(page.dataPage, dictionary, (v1 ?? v2)!.encoding, decoder), page.definitionLevels, maxDefinitionLevel);
      if (values.length) yield values;
      continue;
    }
    const { data } = readPage(reader, header, decoder, dictionary, undefined, 0);
    if (header.type === 'DICTIONARY_PAGE') dictionary = data && convert(data, decoder);
  }
}
