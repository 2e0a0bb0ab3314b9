import { stringify } from 'csv-stringify/sync';
import type { UploadStream } from '../../storage/object-store.ts';
import type { PartColumn, PartWriter } from './part-writer.ts';
import { endSink, writeTo } from './sink.ts';

/** Values as a reader expects them back: booleans as words (csv-stringify's default writes '1'/''), dates in ISO 8601. */
const CAST = { boolean: (v: boolean) => String(v), date: (d: Date) => d.toISOString() };

/**
 * CSV with a header row first (also when the part has no rows). Each batch is stringified by
 * csv-stringify in one call (quoting what needs it) and written to the sink with backpressure;
 * missing values are empty fields.
 */
export function csvPartWriter(columns: readonly PartColumn[], sink: UploadStream): PartWriter {
  let header = true;
  const names = columns.map((c) => c.name);
  const writeHeader = async () => {
    if (!header) return;
    header = false;
    await writeTo(sink.stream, stringify([names]));
  };
  return {
    async write(rows) {
      await writeHeader();
      if (rows.length > 0) await writeTo(sink.stream, stringify(rows as unknown[][], { cast: CAST }));
    },
    async end() {
      await writeHeader();
      await endSink(sink);
    },
  };
}
