import type { UploadStream } from '../../storage/object-store.ts';
import type { PartColumn, PartWriter } from './part-writer.ts';
import { endSink, writeTo } from './sink.ts';

const NEEDS_QUOTES = /[",\r\n]/;

/** RFC 4180 text field: quoted (quotes doubled) only when it holds a comma, a quote or a line break. */
const textField = (v: unknown): string => {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return NEEDS_QUOTES.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};

type Line = (row: readonly unknown[]) => string;

/**
 * The line of a row, compiled once per column list into one expression: numbers inline (missing ones
 * empty), text through `textField`. Only column indexes enter the code. A loop over per-column
 * formatters took a fifth longer (225-245 against 190-205 ms for 1M rows of the default model).
 */
function lineOf(columns: readonly PartColumn[]): Line {
  const fields = columns.map((c, i) => (c.type === 'string' ? `text(r[${i}])` : `(r[${i}] == null ? '' : '' + r[${i}])`));
  return new Function('text', `return (r) => ${fields.join(" + ',' + ")} + '\\n';`)(textField) as Line;
}

/**
 * CSV with a header row first (also when the part has no rows), written to the sink with
 * backpressure; missing values are empty fields. The columns' types are known, so numbers are
 * written as they are and only text is checked for quoting: a general-purpose stringifier spent
 * as long writing a part as the reader spent parsing the input.
 */
export function csvPartWriter(columns: readonly PartColumn[], sink: UploadStream): PartWriter {
  let header = true;
  const line = lineOf(columns);
  const writeHeader = async () => {
    if (!header) return;
    header = false;
    await writeTo(sink.stream, `${columns.map((c) => textField(c.name)).join(',')}\n`);
  };
  return {
    async write(rows) {
      await writeHeader();
      if (rows.length === 0) return;
      let text = '';
      for (const row of rows) text += line(row);
      await writeTo(sink.stream, text);
    },
    async end() {
      await writeHeader();
      await endSink(sink);
    },
  };
}
