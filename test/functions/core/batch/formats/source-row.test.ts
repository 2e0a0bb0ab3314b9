import { describe, expect, it } from 'vitest';
import { columnRow } from '../../../../../functions/core/batch/formats/source-row.ts';

describe('columnRow', () => {
  it('makes a Parquet row its index and values, a column named __proto__ an own value like any other', () => {
    const row = columnRow({ firstRow: 100, rows: 2, columns: new Map<string, ArrayLike<unknown>>([['__proto__', ['a', 'b']], ['x', Float64Array.of(1.5, 2.5)]]) }, 1);
    expect(row).toEqual({ row: 101, values: { ['__proto__']: 'b', x: 2.5 } });
    expect(Object.hasOwn(row.values!, '__proto__')).toBe(true);
    expect(JSON.stringify(row.values)).toBe('{"__proto__":"b","x":2.5}');
  });

  it('makes a row read from text its place and text, without values when it could not be parsed', () => {
    const text = {
      errors: new Map([[0, 'expected 2 fields (as the header), got 3']]),
      source: (i: number) => ({ offset: 10 * i, line: i + 2, raw: `line ${i}`, ...(i === 0 && { error: 'expected 2 fields (as the header), got 3' }) }),
    };
    const batch = { firstRow: 0, rows: 2, columns: new Map<string, ArrayLike<unknown>>([['x', Float64Array.of(0, 7)]]), text };
    expect([columnRow(batch, 0), columnRow(batch, 1)]).toEqual([
      { offset: 0, line: 2, raw: 'line 0', error: 'expected 2 fields (as the header), got 3' },
      { offset: 10, line: 3, raw: 'line 1', values: { x: 7 } },
    ]);
  });
});
