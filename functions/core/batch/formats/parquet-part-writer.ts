import type { RowGroup } from 'hyparquet';
import { ByteWriter, schemaFromColumnData } from 'hyparquet-writer';
import { writeMetadata } from 'hyparquet-writer/src/metadata.js';
import type { UploadStream } from '../../storage/object-store.ts';
import type { PartColumn, PartWriter } from './part-writer.ts';
import { columnChunkWriter } from './parquet-column-chunks.ts';
import { endSink, writeTo } from './sink.ts';

/** Rows per row group: buffered as columns until full, so memory holds at most one row group. */
export const ROW_GROUP_ROWS = 64 * 1024;

const PARQUET_TYPE = { string: 'STRING', float: 'FLOAT', double: 'DOUBLE', int: 'INT64' } as const;
/** "PAR1", at both ends of the file. */
const MAGIC = 0x31524150;
const CREATED_BY = 'serverless-inference batch parts (hyparquet-writer 0.17)';

/**
 * The footer of a file without row groups as Apache Arrow's readers accept it. hyparquet-writer
 * 0.17 serializes the empty `row_groups` list with element type 0, which arrow-rs refuses ("Expected
 * list element type of Struct"), so a chunk that scored no row left a part that broke reading the
 * whole output folder. In the footer, `num_rows` 0 (0x16 0x00) comes right before that list's
 * header (0x19 0x00): the list is typed as the list of structs it is (0x0c).
 */
function typeEmptyRowGroupList(footer: Uint8Array): void {
  for (let i = 0; i + 3 < footer.length; i++) {
    if (footer[i] === 0x16 && footer[i + 1] === 0x00 && footer[i + 2] === 0x19 && footer[i + 3] === 0x00) {
      footer[i + 3] = 0x0c;
      return;
    }
  }
}

/** The part's output buffer, emptied into the sink after every row group and at the end: the file is never held whole. */
class SinkWriter extends ByteWriter {
  readonly #sink: UploadStream;
  constructor(sink: UploadStream) {
    super(1024 * 1024);
    this.#sink = sink;
  }
  flush(): Promise<void> {
    const bytes = new Uint8Array(this.buffer.slice(0, this.index)); // copied: the buffer is reused from index 0
    this.index = 0;
    return writeTo(this.#sink, bytes);
  }
}

/**
 * Parquet: `string` as UTF-8, `float` as FLOAT, `double` as DOUBLE, `int` as INT64; OPTIONAL
 * (nullable) columns unless `required` (see parquet-column-chunks for how each kind is encoded). A
 * null in a required column is refused rather than written as a wrong value. Rows are buffered by
 * column up to ROW_GROUP_ROWS and written as one row group, so a part of any size costs one row
 * group of memory; the footer is written at `end`.
 */
export function parquetPartWriter(columns: readonly PartColumn[], sink: UploadStream): PartWriter {
  const schema = schemaFromColumnData({
    columnData: columns.map((c) => ({ name: c.name, data: [], type: PARQUET_TYPE[c.type], nullable: !c.required })),
  });
  const out = new SinkWriter(sink);
  const chunks = columns.map((c, i) => columnChunkWriter(c, schema[i + 1]!, schema[0]!));
  const rowGroups: RowGroup[] = [];
  let count = 0;
  out.appendUint32(MAGIC);

  const writeGroup = async () => {
    if (count === 0) return;
    const start = out.offset;
    const columns = chunks.map((c) => c.write(out));
    const total = columns.reduce((n, c) => n + (c.meta_data?.total_uncompressed_size ?? 0n), 0n);
    rowGroups.push({ columns, total_byte_size: total, num_rows: BigInt(count), total_compressed_size: BigInt(out.offset - start) });
    count = 0;
    await out.flush();
  };

  return {
    async write({ rows, values }) {
      for (let from = 0; from < rows; ) {
        const to = Math.min(rows, from + ROW_GROUP_ROWS - count);
        for (let i = 0; i < chunks.length; i++) chunks[i]!.add(values[i]!, from, to);
        count += to - from;
        from = to;
        if (count === ROW_GROUP_ROWS) await writeGroup();
      }
    },
    async end() {
      await writeGroup();
      const numRows = rowGroups.reduce((n, g) => n + g.num_rows, 0n);
      const footer = out.index;
      // metadata_length is the type's; the footer's length is written after it.
      writeMetadata(out, { version: 2, created_by: CREATED_BY, schema, num_rows: numRows, row_groups: rowGroups, metadata_length: 0 });
      if (rowGroups.length === 0) typeEmptyRowGroupList(new Uint8Array(out.buffer, footer, out.index - footer));
      out.appendUint32(MAGIC);
      await out.flush();
      await endSink(sink);
    },
  };
}
