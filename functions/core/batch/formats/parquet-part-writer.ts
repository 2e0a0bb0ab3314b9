import { ByteWriter, ParquetWriter, schemaFromColumnData } from 'hyparquet-writer';
import type { UploadStream } from '../../storage/object-store.ts';
import type { PartColumn, PartWriter } from './part-writer.ts';
import { endSink, writeTo } from './sink.ts';

/** Rows per row group: buffered as columns until full, so memory holds at most one row group. */
export const ROW_GROUP_ROWS = 64 * 1024;

const PARQUET_TYPE = { string: 'STRING', double: 'DOUBLE', int: 'INT64' } as const;

/**
 * hyparquet-writer's output buffer, emptied into the sink after every row group (the writer calls
 * `flush` then and waits for it) and at `finish`: the file is never held whole.
 */
class SinkWriter extends ByteWriter {
  readonly #sink: UploadStream;
  constructor(sink: UploadStream) {
    super(1024 * 1024);
    this.#sink = sink;
  }
  flush(): Promise<void> {
    const bytes = new Uint8Array(this.buffer.slice(0, this.index)); // copied: the buffer is reused from index 0
    this.index = 0;
    return writeTo(this.#sink.stream, bytes);
  }
  override finish(): Promise<void> {
    return this.flush();
  }
}

const toValue: Record<PartColumn['type'], (v: unknown) => unknown> = {
  string: (v) => (v === null || v === undefined ? null : typeof v === 'string' ? v : String(v)),
  double: (v) => (v === null || v === undefined ? null : typeof v === 'number' ? v : Number(v)),
  int: (v) => (v === null || v === undefined ? null : typeof v === 'bigint' ? v : BigInt(Math.trunc(Number(v)))),
};

/**
 * Parquet (snappy): every column OPTIONAL (nullable), `string` as UTF-8, `double` as DOUBLE, `int`
 * as INT64. Rows are buffered by column up to ROW_GROUP_ROWS and written as one row group, so a part
 * of any size costs one row group of memory; the footer is written at `end`.
 */
export function parquetPartWriter(columns: readonly PartColumn[], sink: UploadStream): PartWriter {
  const schema = schemaFromColumnData({
    columnData: columns.map((c) => ({ name: c.name, data: [], type: PARQUET_TYPE[c.type], nullable: true })),
  });
  const writer = new ParquetWriter({ writer: new SinkWriter(sink), schema });
  const convert = columns.map((c) => toValue[c.type]);
  let buffered: unknown[][] = columns.map(() => []);
  let count = 0;

  const writeGroup = async () => {
    if (count === 0) return;
    const columnData = columns.map((c, i) => ({ name: c.name, data: buffered[i]! }));
    buffered = columns.map(() => []);
    const rows = count;
    count = 0;
    await writer.write({ columnData, rowGroupSize: rows });
  };

  return {
    async write(rows) {
      for (const row of rows) {
        for (let i = 0; i < convert.length; i++) buffered[i]!.push(convert[i]!(row[i]));
        if (++count === ROW_GROUP_ROWS) await writeGroup();
      }
    },
    async end() {
      await writeGroup();
      await writer.finish();
      await endSink(sink);
    },
  };
}
