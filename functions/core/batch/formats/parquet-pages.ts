import type { ColumnChunk, DecodedArray } from 'hyparquet';
import type { ColumnDecoder, SchemaTree } from 'hyparquet/src/types.js';
import { parquetHeader, readPage } from 'hyparquet/src/column.js';
import { convert, DEFAULT_PARSERS } from 'hyparquet/src/convert.js';
import { getTreePath, isFlatColumn } from 'hyparquet/src/schema.js';
import { BadInput } from '../bad-input.ts';

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
  return { pathInSchema: meta.path_in_schema, element: schemaPath.at(-1)!.element, schemaPath, type: meta.type, codec: meta.codec, parsers: DEFAULT_PARSERS };
}

/**
 * A flat column chunk's values, one decoded data page at a time: memory holds one page of the
 * column, not the whole row group. Pages are read in file order from the chunk's own bytes.
 */
export function* columnPages(bytes: ArrayBuffer, decoder: ColumnDecoder): Generator<DecodedArray> {
  const reader = { view: new DataView(bytes), offset: 0 };
  let dictionary: DecodedArray | undefined;
  // As hyparquet's own column reader: a last byte alone is no page (some writers leave one).
  while (reader.offset < bytes.byteLength - 1) {
    const header = parquetHeader(reader);
    const { data } = readPage(reader, header, decoder, dictionary, undefined, 0);
    if (header.type === 'DICTIONARY_PAGE') dictionary = data && convert(data, decoder);
    else if (data?.length) yield data;
  }
}
