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

const numberField = (v: unknown): string => (v === null || v === undefined ? '' : String(v));

/**
 * CSV with a header row first (also when the part has no rows), written to the sink with
 * backpressure; missing values are empty fields. The columns' types are known, so numbers are
 * written as they are and only text is checked for quoting: a general-purpose stringifier spent
 * as long writing a part as the reader spent parsing the input.
 */
export function csvPartWriter(columns: readonly PartColumn[], sink: UploadStream): PartWriter {
  let header = true;
  const fields = columns.map((c) => (c.type === 'string' ? textField : numberField));
  const line = (row: readonly unknown[]) => {
    let out = fields[0]!(row[0]);
    for (let i = 1; i < fields.length; i++) out += `,${fields[i]!(row[i])}`;
    return `${out}\n`;
  };
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
