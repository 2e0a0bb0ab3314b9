import { describe, expect, it } from 'vitest';
import type { ColumnBatch, SourceRow } from '../../../../functions/core/batch/formats/source-row.ts';
import { packColumns, packRows } from '../../../../functions/core/batch/pack-rows.ts';
import { generateCsv } from '../../../support/batch-data.ts';
import { MODELS, model } from '../../../support/models.ts';

const data = generateCsv(50);
const instances = data.goodIds.map((id) => data.instances.get(id)!);

describe('packing rows for scoring', () => {
  it('packs Parquet columns exactly as the same rows packed one by one, squeezing out rejected rows', async () => {
    const m = await model(MODELS.breastCancer);
    const names = Object.keys(instances[0]!);
    const broken = new Set([0, 7, 8, 49]);
    const columns = new Map<string, unknown[]>(names.map((n) => [n, instances.map((row, i) => (broken.has(i) && n === 'mean_area' ? null : row[n]))]));
    const columnBatch: ColumnBatch = { firstRow: 100, rows: instances.length, columns };
    const rows: SourceRow[] = instances.map((_, i) => ({ row: 100 + i, values: Object.fromEntries(names.map((n) => [n, columns.get(n)![i]])) }));

    const [byColumns, byRows] = await Promise.all([
      m.layout.withBatch(async (b) => {
        const packed = packColumns(m.layout, 'parquet', columnBatch, 0, instances.length, b);
        return { packed, out: Array.from((await m.run(b, packed.packed)).probabilities!.data as Float32Array) };
      }),
      m.layout.withBatch(async (b) => {
        const packed = packRows(m.layout, 'parquet', rows, b);
        return { packed, out: Array.from((await m.run(b, packed.packed)).probabilities!.data as Float32Array) };
      }),
    ]);
    expect(byColumns.packed.good).toEqual(instances.map((_, i) => i).filter((i) => !broken.has(i)));
    expect([...byColumns.packed.rejected.keys()]).toEqual([0, 7, 8, 49]);
    expect(byColumns.packed.rejected.get(7)).toEqual(['mean_area: must not be null']);
    expect(byColumns.packed).toEqual(byRows.packed);
    expect(byColumns.out).toEqual(byRows.out);
    const expected = await m.predict(instances.filter((_, i) => !broken.has(i)));
    expect(byColumns.out.filter((_, i) => i % 2 === 1)).toEqual(expected.map((p) => (p as { probabilities: Record<string, number> }).probabilities.malignant));
  });
});
