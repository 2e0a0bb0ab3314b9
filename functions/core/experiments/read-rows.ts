import { readColumns } from '../drift/read-columns.ts';
import type { LocationOptions } from '../storage/location.ts';

/**
 * The rows of an A/B analysis (variant, value, and optionally a time or order column) read from any
 * batch input (CSV with a header, JSON Lines, Parquet, gzip; a file, folder or S3 prefix) with the
 * drift job's column reader, which streams the input and keeps only these columns.
 */

export interface ReadAbOptions extends LocationOptions {
  /** @default "variant" */
  readonly variantColumn?: string;
  /** @default "value" */
  readonly valueColumn?: string;
  /** Orders the rows for the evidence over time: numbers, or dates/times in ISO 8601 text. File order without it. */
  readonly timeColumn?: string;
}

export interface AbColumns {
  readonly variants: (string | null)[];
  readonly values: Float64Array;
  /** Lines that could not be parsed at all. */
  readonly rejectedRows: number;
  /** Values present but not numbers (they count as missing, so their rows are dropped). */
  readonly invalidValues: number;
}

export async function readAbColumns(uri: string, options: ReadAbOptions = {}): Promise<AbColumns> {
  const variantColumn = options.variantColumn ?? 'variant';
  const valueColumn = options.valueColumn ?? 'value';
  const features = [
    { name: variantColumn, type: 'categorical' as const },
    { name: valueColumn, type: 'numeric' as const },
    ...(options.timeColumn ? [{ name: options.timeColumn, type: 'categorical' as const }] : []),
  ];
  const columns = await readColumns(uri, features, { endpointUrl: options.endpointUrl, s3: options.s3 });
  if (columns.rows === 0) throw new Error(`no rows${columns.rejectedRows ? ` (${columns.rejectedRows} lines could not be parsed)` : ''}`);
  if (columns.absent.length) throw new Error(`no column ${columns.absent.map((c) => `"${c}"`).join(', ')} (rows need "${variantColumn}" and "${valueColumn}"; see --variant-column, --value-column)`);
  let variants = columns.get(variantColumn) as (string | null)[];
  let values = columns.get(valueColumn) as Float64Array;
  if (options.timeColumn) {
    const times = (columns.get(options.timeColumn) as (string | null)[]).map((t, i) => {
      const x = t === null ? NaN : /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(t) ? Number(t) : Date.parse(t);
      if (Number.isNaN(x)) throw new Error(`row ${i + 1}: "${options.timeColumn}" is ${t === null ? 'missing' : `"${t}", neither a number nor a date`}`);
      return x;
    });
    // A stable sort: rows with equal times keep their file order.
    const order = times.map((_, i) => i).sort((a, b) => times[a]! - times[b]! || a - b);
    variants = order.map((i) => variants[i]!);
    values = Float64Array.from(order, (i) => values[i]!);
  }
  return { variants, values, rejectedRows: columns.rejectedRows, invalidValues: columns.counts.get(valueColumn)?.invalid ?? 0 };
}
