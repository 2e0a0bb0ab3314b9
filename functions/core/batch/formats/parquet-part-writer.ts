import type { DecodedArray } from 'hyparquet';
import { ByteWriter, ParquetWriter, schemaFromColumnData } from 'hyparquet-writer';
import type { ColumnSource } from 'hyparquet-writer';
import type { UploadStream } from '../../storage/object-store.ts';
import type { PartColumn, PartWriter } from './part-writer.ts';
import { endSink, writeTo } from './sink.ts';

/** Rows per row group: buffered as columns until full, so memory holds at most one row group. */
export const ROW_GROUP_ROWS = 64 * 1024;

const PARQUET_TYPE = { string: 'STRING', float: 'FLOAT', double: 'DOUBLE', int: 'INT64' } as const;

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
  float: (v) => (v === null || v === undefined ? null : typeof v === 'number' ? v : Number(v)),
  double: (v) => (v === null || v === undefined ? null : typeof v === 'number' ? v : Number(v)),
  int: (v) => (v === null || v === undefined ? null : typeof v === 'bigint' ? v : BigInt(Math.trunc(Number(v)))),
};

/**
 * How a column is encoded. Required scores go PLAIN and uncompressed, without statistics: they are
 * high-entropy numbers (snappy saved 8% of their bytes for a third of the writer's time), and rows
 * kept in input order span the whole range of scores in every row group, so min/max would prune
 * nothing. Required text (label, version) always takes a dictionary: a handful of values, so each
 * row costs a bit or two. Dictionary sampling and string statistics were two thirds of the writer's
 * time for 1M rows; the id column, unique per row, keeps the defaults.
 */
function encodingOf(column: PartColumn): Partial<ColumnSource> {
  if (!column.required) return {};
  if (column.type === 'string') return { encoding: 'RLE_DICTIONARY', statistics: false };
  return { encoding: 'PLAIN', codec: 'UNCOMPRESSED', statistics: false };
}

/** One column's values of the row group being filled. */
interface ColumnBuffer {
  /** Adds rows [from, to) of a block's column. */
  add(values: ArrayLike<unknown>, from: number, to: number): void;
  /** The values added since the last take, as hyparquet-writer's column data. */
  take(): DecodedArray;
}

function columnBuffer(column: PartColumn): ColumnBuffer {
  const convert = toValue[column.type];
  const refuse = (v: unknown) => {
    throw new Error(`output column ${column.name} is required, got ${v}`);
  };
  const Typed = column.type === 'float' ? Float32Array : Float64Array;
  if (column.required && (column.type === 'float' || column.type === 'double')) {
    // Scores straight into a typed array: no boxed value per row, no definition levels.
    let data = new Typed(ROW_GROUP_ROWS);
    let size = 0;
    return {
      add: (values, from, to) => {
        for (let r = from; r < to; r++) {
          const v = values[r];
          data[size++] = typeof v === 'number' ? v : v === null || v === undefined ? refuse(v) : Number(v);
        }
      },
      take: () => {
        const filled = data.subarray(0, size);
        data = new Typed(ROW_GROUP_ROWS);
        size = 0;
        return filled;
      },
    };
  }
  let data: unknown[] = [];
  return {
    add: (values, from, to) => {
      for (let r = from; r < to; r++) {
        const v = values[r];
        if (column.required && (v === null || v === undefined)) refuse(v);
        data.push(convert(v));
      }
    },
    take: () => {
      const filled = data;
      data = [];
      return filled as DecodedArray;
    },
  };
}

/**
 * Parquet (snappy): `string` as UTF-8, `float` as FLOAT, `double` as DOUBLE, `int` as INT64;
 * OPTIONAL (nullable) columns unless `required`. A null in a required column is refused rather than
 * written as a wrong value. Rows are buffered by column up to ROW_GROUP_ROWS and written as one row
 * group, so a part of any size costs one row group of memory; the footer is written at `end`.
 */
export function parquetPartWriter(columns: readonly PartColumn[], sink: UploadStream): PartWriter {
  const schema = schemaFromColumnData({
    columnData: columns.map((c) => ({ name: c.name, data: [], type: PARQUET_TYPE[c.type], nullable: !c.required })),
  });
  const writer = new ParquetWriter({ writer: new SinkWriter(sink), schema });
  const buffers = columns.map(columnBuffer);
  const encodings = columns.map(encodingOf);
  let count = 0;

  const writeGroup = async () => {
    if (count === 0) return;
    const columnData = columns.map((c, i) => ({ name: c.name, data: buffers[i]!.take(), ...encodings[i] }));
    const rows = count;
    count = 0;
    await writer.write({ columnData, rowGroupSize: rows });
  };

  return {
    async write({ rows, values }) {
      for (let from = 0; from < rows; ) {
        const to = Math.min(rows, from + ROW_GROUP_ROWS - count);
        for (let i = 0; i < buffers.length; i++) buffers[i]!.add(values[i]!, from, to);
        count += to - from;
        from = to;
        if (count === ROW_GROUP_ROWS) await writeGroup();
      }
    },
    async end() {
      await writeGroup();
      await writer.finish();
      await endSink(sink);
    },
  };
}
