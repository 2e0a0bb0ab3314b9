import { describe, expect, it } from 'vitest';
import { float32Decimal } from '../../../../../functions/core/batch/formats/float32-decimal.ts';
import { randomFloats, random } from './floats.ts';

/** The fewest significant digits whose decimal reads back as the float32 `x`, found the slow way. */
const fewestDigits = (x: number) => {
  for (let p = 1; p <= 9; p++) if (Math.fround(Number(x.toPrecision(p))) === x) return p;
  return Number.NaN;
};
const significantDigits = (v: number) => v.toExponential().replace(/e.*$/, '').replace(/[-.]/g, '').length;

describe('float32Decimal', () => {
  it('prints a float32 score with the digits the model computed, not those of the double it widens to', () => {
    expect(String(float32Decimal(Math.fround(0.1)))).toBe('0.1');
    expect(String(float32Decimal(Math.fround(0.9876543283462524)))).toBe('0.9876543');
    expect(String(float32Decimal(Math.fround(-2.5e-9)))).toBe('-2.5e-9');
    // A confident softmax's tail, and a float32 near its largest.
    expect(String(float32Decimal(Math.fround(3.4e-15)))).toBe('3.4e-15');
    expect(String(float32Decimal(Math.fround(3.4e38)))).toBe('3.4e+38');
  });

  it('gives, for random float32 values, a decimal that reads back as the same float32 with the fewest digits that do', () => {
    const floats = [...randomFloats(20_000), ...Float32Array.from({ length: 20_000 }, () => random.next())];
    const wrong = floats.filter((x) => Math.fround(float32Decimal(x)) !== x);
    const longer = floats.filter((x) => significantDigits(float32Decimal(x)) !== fewestDigits(x));
    expect({ wrong: wrong.slice(0, 5), longer: longer.slice(0, 5) }).toEqual({ wrong: [], longer: [] });
  });

  it('returns zeros, non-finite values and doubles that are not float32 values as they are', () => {
    for (const x of [0, -0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0.1, 1e-50]) expect(Object.is(float32Decimal(x), x)).toBe(true);
  });
});
