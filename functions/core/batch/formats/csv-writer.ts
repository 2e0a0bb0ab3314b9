import type { UploadStream } from '../../storage/object-store.ts';
import { compiledLines } from './compiled-lines.ts';
import { recentFloat32Text } from './float32-decimal.ts';
import type { PartBlock, PartColumn, PartWriter } from './part-writer.ts';
import { endSink, writeTo } from './sink.ts';

const NEEDS_QUOTES = /[",\r\n]/;

/** RFC 4180 text field: quoted (quotes doubled) only when it holds a comma, a quote or a line break. */
const textField = (v: unknown): string => {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return NEEDS_QUOTES.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};

/**
 * A row's CSV line: numbers inline (missing ones empty, float32 ones at their shortest), text
 * through `textField`. Made once per part, with the float texts it remembers.
 */
const csvLines = (columns: readonly PartColumn[]) =>
  compiledLines(
    columns.length,
    (value) => `${columns.map((col, i) => (col.type === 'string' ? `text(${value(i)})` : `(${value(i)} == null ? '' : ${col.type === 'float' ? `f32(${value(i)})` : `'' + ${value(i)}`})`)).join(" + ',' + ")} + '\\n'`,
    { text: textField, f32: recentFloat32Text() },
  );

/**
 * CSV with a header row first (also when the part has no rows), written to the sink with
 * backpressure; missing values are empty fields. The columns' types are known, so numbers are
 * written as they are and only text is checked for quoting: a general-purpose stringifier spent
 * as long writing a part as the reader spent parsing the input.
 */
export function csvPartWriter(columns: readonly PartColumn[], sink: UploadStream): PartWriter {
  let header = true;
  const lines = csvLines(columns);
  const writeHeader = async () => {
    if (!header) return;
    header = false;
    await writeTo(sink.stream, `${columns.map((c) => textField(c.name)).join(',')}\n`);
  };
  return {
    async write(block: PartBlock) {
      await writeHeader();
      if (block.rows === 0) return;
      await writeTo(sink.stream, lines(block));
    },
    async end() {
      await writeHeader();
      await endSink(sink);
    },
  };
}
