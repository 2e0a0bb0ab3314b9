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
 * The footer of a file without row groups as Apache Arrow's readers accept it. hyparquet-writer
 * 0.17 writes the empty `row_groups` list with element type 0, which arrow-rs refuses ("Expected
 * list element type of Struct"), so a chunk that scored no row left a part that broke reading the
 * whole output folder. Its footer is `num_rows` 0 (0x16 0x00) then that list's header (0x19 0x00):
 * the list is typed as the list of structs it is (0x0c). Only a rowless part's footer is touched.
 */
function typeEmptyRowGroupList(file: Uint8Array): void {
  for (let i = 4; i + 3 < file.length; i++) {
    if (file[i] === 0x16 && file[i + 1] === 0x00 && file[i + 2] === 0x19 && file[i + 3] === 0x00) {
      file[i + 3] = 0x0c;
      return;
    }
  }
}

/**
 * hyparquet-writer's output buffer, emptied into the sink after every row group (the writer calls
 * `flush` then and waits for it) and at `finish`: the file is never held whole.
 */
class SinkWriter extends ByteWriter {
  readonly #sink: UploadStream;
  /** Set when the part has no rows: its only flush is then the whole file. */
  rowless = false;
  constructor(sink: UploadStream) {
    super(1024 * 1024);
    this.#sink = sink;
  }
  flush(): Promise<void> {
    const bytes = new Uint8Array(this.buffer.slice(0, this.index)); // copied: the buffer is reused from index 0
    this.index = 0;
    if (this.rowless) typeEmptyRowGroupList(bytes);
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
 * row costs a bit or two. Its statistics are left out: they cost a string comparison per row, and
 * the version of every part is in the run's manifest. Dictionary sampling and string statistics
 * were two thirds of the writer's time for 1M rows; the id column, unique per row, keeps the defaults.
 */
function encodingOf(column: PartColumn): Partial<ColumnSource> {
  if (!column.required) return {};
  if (column.type === 'string') return { encoding: 'RLE_DICTIONARY', statistics: false };
  return { encoding: 'PLAIN', codec: 'UNCOMPRESSED', statistics: false };
}

/** One column's values of the row group being filled. */
interface ColumnBuffer {
  /** Takes rows [from, to) of a block's column (kept, not copied: a block's columns are its own). */
  add(values: ArrayLike<unknown>, from: number, to: number): void;
  /** The values added since the last take, joined, as hyparquet-writer's column data. */
  take(): DecodedArray;
}

function columnBuffer(column: PartColumn): ColumnBuffer {
  const convert = toValue[column.type];
  const refuse = (v: unknown) => {
    throw new Error(`output column ${column.name} is required, got ${v}`);
  };
  let pieces: ArrayLike<unknown>[] = [];
  /** Rows [from, to) of a column, refused at once if a required column misses a value there (a typed array cannot). */
  const slice = (values: ArrayLike<unknown>, from: number, to: number) => {
    const typed = ArrayBuffer.isView(values);
    if (column.required && !typed) for (let r = from; r < to; r++) if (values[r] === null || values[r] === undefined) refuse(values[r]);
    return from === 0 && to === values.length ? values : typed ? (values as Float32Array).subarray(from, to) : Array.prototype.slice.call(values, from, to);
  };
  const add = (values: ArrayLike<unknown>, from: number, to: number) => void pieces.push(slice(values, from, to));
  if (column.required && (column.type === 'float' || column.type === 'double')) {
    // Scores joined into one typed array, a block at a time: no boxed value per row, no definition levels.
    const Typed = column.type === 'float' ? Float32Array : Float64Array;
    return {
      add,
      take: () => {
        const joined = new Typed(pieces.reduce((n, p) => n + p.length, 0));
        let at = 0;
        for (const piece of pieces) {
          if (piece instanceof Typed) joined.set(piece, at);
          else for (let i = 0; i < piece.length; i++) joined[at + i] = convert(piece[i]) as number;
          at += piece.length;
        }
        pieces = [];
        return joined;
      },
    };
  }
  return {
    add,
    take: () => {
      // One pass that joins and converts; a row group may hold up to 65,536 one-row blocks.
      const joined = new Array<unknown>(pieces.reduce((n, p) => n + p.length, 0));
      let at = 0;
      for (const piece of pieces) for (let i = 0; i < piece.length; i++) joined[at++] = convert(piece[i]);
      pieces = [];
      return joined as DecodedArray;
    },
  };
}

/**
 * Parquet: `string` as UTF-8, `float` as FLOAT, `double` as DOUBLE, `int` as INT64 (snappy, but
 * for the required scores: see `encodingOf`);
 * OPTIONAL (nullable) columns unless `required`. A null in a required column is refused rather than
 * written as a wrong value. Rows are buffered by column up to ROW_GROUP_ROWS and written as one row
 * group, so a part of any size costs one row group of memory; the footer is written at `end`.
 */
export function parquetPartWriter(columns: readonly PartColumn[], sink: UploadStream): PartWriter {
  const schema = schemaFromColumnData({
    columnData: columns.map((c) => ({ name: c.name, data: [], type: PARQUET_TYPE[c.type], nullable: !c.required })),
  });
  const out = new SinkWriter(sink);
  const writer = new ParquetWriter({ writer: out, schema });
  const buffers = columns.map(columnBuffer);
  const encodings = columns.map(encodingOf);
  let count = 0;
  let groups = 0;

  const writeGroup = async () => {
    if (count === 0) return;
    const columnData = columns.map((c, i) => ({ name: c.name, data: buffers[i]!.take(), ...encodings[i] }));
    const rows = count;
    count = 0;
    groups++;
    // One page per column chunk: estimating every value's size to cut pages cost more than the required columns' encoding.
    await writer.write({ columnData, rowGroupSize: rows, pageSize: 0 });
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
      out.rowless = groups === 0;
      await writer.finish();
      await endSink(sink);
    },
  };
}
