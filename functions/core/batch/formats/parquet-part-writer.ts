import type { DecodedArray } from 'hyparquet';
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

/** One column's values of the row group being filled. */
interface ColumnBuffer {
  add(value: unknown): void;
  /** The values added since the last take, as hyparquet-writer's column data. */
  take(): DecodedArray;
}

function columnBuffer(column: PartColumn): ColumnBuffer {
  const convert = toValue[column.type];
  if (column.required && column.type === 'double') {
    // Scores straight into a Float64Array: no boxed value per row, no definition levels.
    let data = new Float64Array(ROW_GROUP_ROWS);
    let size = 0;
    return {
      add: (v) => (data[size++] = convert(v) as number),
      take: () => {
        const filled = data.subarray(0, size);
        data = new Float64Array(ROW_GROUP_ROWS);
        size = 0;
        return filled;
      },
    };
  }
  let data: unknown[] = [];
  return {
    add: (v) => data.push(convert(v)),
    take: () => {
      const filled = data;
      data = [];
      return filled;
    },
  };
}

/**
 * Parquet (snappy): `string` as UTF-8, `double` as DOUBLE, `int` as INT64; OPTIONAL (nullable)
 * columns unless `required`. A null in a required column is refused rather than written as a
 * wrong value. Rows are buffered by column up to ROW_GROUP_ROWS and written as one row group, so a
 * part of any size costs one row group of memory; the footer is written at `end`.
 */
export function parquetPartWriter(columns: readonly PartColumn[], sink: UploadStream): PartWriter {
  const schema = schemaFromColumnData({
    columnData: columns.map((c) => ({ name: c.name, data: [], type: PARQUET_TYPE[c.type], nullable: !c.required })),
  });
  const writer = new ParquetWriter({ writer: new SinkWriter(sink), schema });
  const buffers = columns.map(columnBuffer);
  const required = columns.map((c) => c.required === true);
  let count = 0;

  const writeGroup = async () => {
    if (count === 0) return;
    const columnData = columns.map((c, i) => ({ name: c.name, data: buffers[i]!.take() }));
    const rows = count;
    count = 0;
    await writer.write({ columnData, rowGroupSize: rows });
  };

  return {
    async write(rows) {
      for (const row of rows) {
        for (let i = 0; i < buffers.length; i++) {
          const v = row[i];
          if (required[i] && (v === null || v === undefined)) throw new Error(`output column ${columns[i]!.name} is required, got ${v}`);
          buffers[i]!.add(v);
        }
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
