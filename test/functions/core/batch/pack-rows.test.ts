import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ColumnBatch, SourceRow } from '../../../../functions/core/batch/formats/source-row.ts';
import { packColumns, packRows } from '../../../../functions/core/batch/pack-rows.ts';
import { converterFor, fieldProblem } from '../../../../functions/core/batch/row-values.ts';
import { FeatureLayout, type InputBatch } from '../../../../functions/core/feature-layout.ts';
import type { ModelPackage } from '../../../../functions/core/model-package.ts';
import { generateCsv } from '../../../support/batch-data.ts';
import { MODELS, model, readPackage } from '../../../support/models.ts';

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

  /** Packs the same values as columns and as rows: the two must agree on every reason and every packed value. */
  const packBothWays = async (pkg: ModelPackage, columns: Map<string, unknown[]>, from: number, to: number, idColumn?: string) => {
    const layout = new FeatureLayout(pkg, 64);
    const names = [...columns.keys()];
    const rows: SourceRow[] = columns.get(names[0]!)!.map((_, i) => ({ row: i, values: Object.fromEntries(names.map((n) => [n, columns.get(n)![i]])) }));
    const packed = (pack: (b: InputBatch) => ReturnType<typeof packRows>) =>
      layout.withBatch(async (b) => {
        const result = pack(b);
        return { result, tensors: Object.values(b.feeds(result.packed)).map((t) => Array.from(t.data as ArrayLike<unknown>)) };
      });
    const byColumns = await packed((b) => packColumns(layout, 'parquet', { firstRow: 0, rows: rows.length, columns }, from, to, b, idColumn));
    const byRows = await packed((b) => packRows(layout, 'parquet', rows.slice(from, to), b, idColumn));
    expect(byColumns).toEqual(byRows);
    return byColumns.result;
  };

  it('rejects out-of-range numbers, NaN, infinities and non-numbers in a Parquet column with the reasons row-by-row packing gives', async () => {
    const pkg = readPackage(MODELS.diabetesCategorical);
    const ok = { age: 50, sex: 'male', bmi: 25, bp: 90, tc: 180, ldl: 100, hdl: 50, tch: 4, ltg: 4.5, glu: 90 };
    const ages: unknown[] = [50, 16, 82, 15.99, 83, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, '50', null, undefined, 10n, 61.5];
    const columns = new Map<string, unknown[]>(Object.entries(ok).map(([n, v]) => [n, ages.map((age) => (n === 'age' ? age : v))]));
    const result = await packBothWays(pkg, columns, 0, ages.length);
    expect(result.good).toEqual([0, 1, 2, 12]);
    expect(result.rejected.get(3)).toEqual(["age: 15.99 is outside the model's range [16, 82]"]);
    expect(result.rejected.get(5)).toEqual(['age: must be a finite number, got NaN']);
    expect([...result.rejected.keys()]).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });

  it('rejects a row without its id when the job passes an id column through, after its feature problems', async () => {
    const pkg = readPackage(MODELS.breastCancer);
    const names = pkg.features.map((f) => f.name);
    const ids: unknown[] = ['p1', null, '', null, undefined, 7n];
    const columns = new Map<string, unknown[]>([...names.map((n, j): [string, unknown[]] => [n, ids.map((_, i) => (j === 0 && i === 3 ? Number.NaN : 10))]), ['patient_id', ids]]);
    const result = await packBothWays(pkg, columns, 0, ids.length, 'patient_id');
    expect(result.good).toEqual([0, 5]);
    expect(result.rejected.get(1)).toEqual(['patient_id: empty id']);
    expect(result.rejected.get(2)).toEqual(['patient_id: empty id']);
    expect(result.rejected.get(3)).toEqual([`${names[0]}: must be a finite number, got NaN`, 'patient_id: empty id']);
    expect(result.rejected.get(4)).toEqual(['patient_id: missing id']);
  });

  it('refuses an object, an array, a boolean, a rounded JSON integer or a number that is not finite as an id, and does not take an Object property for a column', async () => {
    const pkg = readPackage(MODELS.breastCancer);
    const layout = new FeatureLayout(pkg, 64);
    const features = Object.fromEntries(pkg.features.map((f) => [f.name, 7]));
    const ids = [{ a: 1 }, [1], true, JSON.parse('9007199254740993'), Number.NaN, -Infinity];
    const rows: SourceRow[] = [...ids, 'p1'].map((id, i) => ({ line: i + 2, values: { ...features, id } }));
    const byId = await layout.withBatch(async (b) => packRows(layout, 'jsonl', rows, b, 'id'));
    expect([...byId.rejected.values()]).toEqual([
      ['id: expected text or a number as id, got an object'],
      ['id: expected text or a number as id, got an array'],
      ['id: expected text or a number as id, got a boolean'],
      ['id: id 9007199254740992 is past 2^53, where a JSON number loses digits: write ids as strings'],
      ['id: expected a finite number as id, got NaN'],
      ['id: expected a finite number as id, got -Infinity'],
    ]);
    const byConstructor = await layout.withBatch(async (b) => packRows(layout, 'jsonl', rows.slice(ids.length), b, 'constructor'));
    expect([...byConstructor.rejected.values()]).toEqual([['constructor: missing id']]);
  });

  it('rejects every row, naming the column, when the id column is not in the input at all', async () => {
    const pkg = readPackage(MODELS.breastCancer);
    const columns = new Map<string, unknown[]>(pkg.features.map((f) => [f.name, [10, 11]]));
    const result = await packBothWays(pkg, columns, 0, 2, 'patient_id');
    expect(result.packed).toBe(0);
    expect([...result.rejected.values()]).toEqual([['patient_id: missing id'], ['patient_id: missing id']]);
  });

  it('reads CSV numbers in decimal notation only: hexadecimal, binary, octal and Infinity are not numbers', async () => {
    const pkg = readPackage(MODELS.breastCancer);
    const layout = new FeatureLayout(pkg, 64);
    const names = pkg.features.map((f) => f.name);
    const texts = ['1e3', ' 12.5 ', '+3', '-0', '.5', '5.', '0x10', '0b11', '0o7', 'Infinity', '-0x10', '1_000'];
    const rows: SourceRow[] = texts.map((t, i) => ({ line: i + 2, values: Object.fromEntries(names.map((n, j) => [n, j === 0 ? t : '7'])) }));
    const packed = await layout.withBatch(async (b) => {
      const result = packRows(layout, 'csv', rows, b);
      const data = b.feeds(result.packed)[pkg.inputs[0]!.name]!.data as Float32Array;
      return { result, firsts: result.good.map((_, k) => data[k * names.length]) };
    });
    expect(packed.firsts).toEqual([1000, 12.5, 3, -0, 0.5, 5]);
    expect([...packed.result.rejected.values()]).toEqual(['0x10', '0b11', '0o7', 'Infinity', '-0x10', '1_000'].map((t) => [`${names[0]}: not a number: ${JSON.stringify(t)}`]));
  });

  it('rejects a number past float32 in a float32 input, in both shapes of batch', async () => {
    const pkg = readPackage(MODELS.breastCancer);
    const names = pkg.features.map((f) => f.name);
    const values = [1, 3.4e38, 1e39, -1e39];
    const columns = new Map<string, unknown[]>(names.map((n, j) => [n, values.map((v) => (j === 0 ? v : 7))]));
    const result = await packBothWays(pkg, columns, 0, values.length);
    expect(result.good).toEqual([0, 1]);
    expect(result.rejected.get(2)).toEqual([`${names[0]}: 1e+39 does not fit the model's float32 input`]);
  });

  it('accepts only whole numbers for an integer graph input, and values past a loose range', async () => {
    const pkg = readPackage(MODELS.breastCancer);
    const integer: ModelPackage = { ...pkg, inputs: pkg.inputs.map((i) => ({ ...i, type: 'int32' })) };
    const names = pkg.features.map((f) => f.name);
    const values = [1, 2.5, 1e6, -3];
    const columns = new Map<string, unknown[]>(names.map((n, j) => [n, values.map((v) => (j === 0 ? v : 7))]));
    const result = await packBothWays(integer, columns, 0, values.length);
    expect(result.good).toEqual([0, 2, 3]);
    expect(result.rejected.get(1)).toEqual([`${names[0]}: expected an integer, got 2.5`]);
  });

  it('packs CSV and JSON Lines rows exactly as checking each field alone says: every value it takes, every reason it gives', async () => {
    const pkg = readPackage(MODELS.breastCancer);
    const integer: ModelPackage = { ...pkg, inputs: pkg.inputs.map((i) => ({ ...i, type: 'int32' })) };
    const names = pkg.features.map((f) => f.name);
    const text = fc.oneof(
      fc.double({ noNaN: true }).map(String),
      fc.integer({ min: -3000, max: 3000 }).map(String),
      fc.constantFrom('', ' ', '1e39', '-1e39', '3.4028235e38', '2147483648', '-2147483649', '0x10', 'abc', ' 7 ', '+5', '.5', '5.', '1e3', '-0', '007', '1.0000000000000002', '12345678901234567'),
    );
    const json = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(null, '5', true, 1e39, 2 ** 31));
    const rows = (format: 'csv' | 'jsonl') => fc.array(fc.array(format === 'csv' ? text : json, { minLength: 1, maxLength: names.length }), { minLength: 1, maxLength: 20 });
    for (const model of [pkg, integer]) {
      const layout = new FeatureLayout(model, 64);
      for (const format of ['csv', 'jsonl'] as const) {
        const convert = converterFor(format);
        await fc.assert(
          fc.asyncProperty(rows(format), async (fieldsOfRows) => {
            // Features past a row's own fields keep a plain value, so every row tests the drawn ones.
            const source: SourceRow[] = fieldsOfRows.map((fields, i) => ({ row: i, values: Object.fromEntries(names.map((n, j) => [n, j < fields.length ? fields[j] : format === 'csv' ? '7' : 7])) }));
            const expected = source.map(({ values }) =>
              layout.slots.flatMap((slot) => {
                const problem = fieldProblem(slot, convert(slot, values![slot.feature.name]));
                return problem ? [`${slot.feature.name}: ${problem}`] : [];
              }),
            );
            await layout.withBatch(async (b) => {
              const packed = packRows(layout, format, source, b);
              expect([...packed.rejected.entries()]).toEqual(expected.flatMap((reasons, i) => (reasons.length ? [[i, reasons]] : [])));
              const data = Object.values(b.feeds(packed.packed))[0]!.data as Float32Array | Int32Array;
              packed.good.forEach((i, at) =>
                layout.slots.forEach((slot, s) => {
                  const value = convert(slot, source[i]!.values![slot.feature.name]) as number;
                  expect(data[at * names.length + s]).toBe(model === integer ? Int32Array.of(value)[0] : Math.fround(value));
                }),
              );
            });
          }),
          { numRuns: 150 },
        );
      }
    }
  });

  it('packs a slice of a column batch from its own first row', async () => {
    const pkg = readPackage(MODELS.diabetesCategorical);
    const ages = [20, 30, 1000, 40, 50];
    const ok = { sex: 'female', bmi: 25, bp: 90, tc: 180, ldl: 100, hdl: 50, tch: 4, ltg: 4.5, glu: 90 };
    const columns = new Map<string, unknown[]>([['age', ages], ...Object.entries(ok).map(([n, v]): [string, unknown[]] => [n, ages.map(() => v)])]);
    const result = await packBothWays(pkg, columns, 1, 5);
    expect(result.good).toEqual([0, 2, 3]);
    expect([...result.rejected.keys()]).toEqual([1]);
  });
});
