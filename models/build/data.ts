import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';

/** A CSV as named columns of raw strings, in file order. */
export interface Table {
  readonly rows: readonly Record<string, string>[];
  readonly columns: readonly string[];
}

export function readCsv(path: string): Table {
  const rows: Record<string, string>[] = parse(readFileSync(path, 'utf8'), { columns: true, skip_empty_lines: true });
  return { rows, columns: Object.keys(rows[0] ?? {}) };
}

/** The named columns as a numeric matrix (one array per row); refuses anything that is not a finite number. */
export function numericMatrix(table: Table, columns: readonly string[]): number[][] {
  return table.rows.map((row, r) =>
    columns.map((c) => {
      const v = Number(row[c]);
      if (row[c] === undefined || row[c] === '' || !Number.isFinite(v)) throw new Error(`row ${r + 1}: column ${c} is not a number: ${row[c]}`);
      return v;
    }),
  );
}

export const column = (table: Table, name: string): string[] =>
  table.rows.map((row, r) => {
    const v = row[name];
    if (v === undefined) throw new Error(`row ${r + 1}: no column ${name}`);
    return v;
  });

export const pick = <T>(items: readonly T[], indexes: readonly number[]): T[] => indexes.map((i) => items[i]!);
