/**
 * Input data for drift detection, column by column: what a CSV/Parquet reader or a capture window
 * yields without building an object per row. Numeric columns may be Float64Arrays.
 */
export type Column = ArrayLike<number | null> | ArrayLike<string | null>;
export type Columns = ReadonlyMap<string, Column>;

/** Number of rows: the longest column (columns of one table all have the same length). */
export function rowCount(columns: Columns): number {
  let rows = 0;
  for (const column of columns.values()) rows = Math.max(rows, column.length);
  return rows;
}

/**
 * Copy the finite values of a numeric column into `into` (at least as long as the column) and return
 * how many there were and how many were missing. Missing means null/undefined, NaN or ±Infinity: a
 * non-finite value has no place in quantile bins and cannot be compared with a baseline of finite values.
 * Float64Arrays take a loop without type checks; anything else must hold numbers or nulls.
 */
export function finiteValues(name: string, column: Column, into: Float64Array): { count: number; missing: number } {
  const n = column.length;
  let count = 0;
  if (column instanceof Float64Array || column instanceof Float32Array) {
    for (let i = 0; i < n; i++) {
      const v = column[i]!;
      // v - v is 0 for finite v, NaN for NaN and ±Infinity.
      if (v - v === 0) into[count++] = v;
    }
    return { count, missing: n - count };
  }
  for (let i = 0; i < n; i++) {
    const v = column[i];
    if (v === null || v === undefined) continue;
    if (typeof v !== 'number') throw new TypeError(`numeric feature "${name}": row ${i} holds ${JSON.stringify(v)}, not a number`);
    if (v - v === 0) into[count++] = v;
  }
  return { count, missing: n - count };
}

/** Count each category of a column (numbers are taken as their decimal text); null, undefined and NaN are missing. */
export function categoryCounts(column: Column): { counts: Map<string, number>; count: number; missing: number } {
  const counts = new Map<string, number>();
  const n = column.length;
  let count = 0;
  for (let i = 0; i < n; i++) {
    const v = column[i];
    if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) continue;
    const key = typeof v === 'string' ? v : String(v);
    counts.set(key, (counts.get(key) ?? 0) + 1);
    count++;
  }
  return { counts, count, missing: n - count };
}

/** Whether a column holds category labels (its first present value is a string). */
export function looksCategorical(column: Column): boolean {
  for (let i = 0; i < column.length; i++) {
    const v = column[i];
    if (v !== null && v !== undefined) return typeof v === 'string';
  }
  return false;
}
