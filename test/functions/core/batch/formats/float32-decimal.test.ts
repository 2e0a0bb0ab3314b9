import { describe, expect, it } from 'vitest';
import { Random } from '../../../../../models/build/random.ts';
import { float32Decimal, float32Text, recentFloat32Text } from '../../../../../functions/core/batch/formats/float32-decimal.ts';

/** The fewest significant digits whose decimal reads back as the float32 `x`, found the slow way. */
const fewestDigits = (x: number) => {
  for (let p = 1; p <= 9; p++) if (Math.fround(Number(x.toPrecision(p))) === x) return p;
  return Number.NaN;
};
const significantDigits = (v: number) => v.toExponential().replace(/e.*$/, '').replace(/[-.]/g, '').length;

// Seeded: a failure names values that the next run draws again.
const random = new Random(32);

/** Float32 values of random bit patterns, the finite non-zero ones: from 1e-45 to 3.4e38. */
function randomFloats(n: number): number[] {
  const bits = new Uint32Array(n);
  for (let i = 0; i < n; i++) bits[i] = Math.floor(random.next() * 2 ** 32);
  return [...new Float32Array(bits.buffer)].filter((x) => Number.isFinite(x) && x !== 0);
}

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

describe('float32Text', () => {
  it('is the text JavaScript prints for float32Decimal, for random float32 values and at the edges of each notation', () => {
    const edges = [1e-7, 1e-6, 9.99999e-7, 1.5e-6, 1e-5, 0.1, 0.5, 1, 10, 100, 123456789, 1e11, 9.99999e11, 1e12, 5e-13, 1e21, 3.4e38, 1e-45, 0, -0, Number.NaN, Number.POSITIVE_INFINITY];
    const values = [...randomFloats(20_000), ...Float32Array.from({ length: 20_000 }, () => random.next()), ...edges.map(Math.fround), ...edges.map((x) => -Math.fround(x))];
    const differing = values.filter((x) => float32Text(x) !== String(float32Decimal(x)));
    expect(differing.slice(0, 5).map((x) => [x, float32Text(x), String(float32Decimal(x))])).toEqual([]);
    expect([float32Text(Math.fround(2.5e-9)), float32Text(Math.fround(0.00001)), float32Text(Math.fround(-0.9876543283462524)), float32Text(Math.fround(1e10))]).toEqual(['2.5e-9', '0.00001', '-0.9876543', '10000000000']);
  });
});

describe('recentFloat32Text', () => {
  it('answers as float32Text whatever repeats: the last value, the one before, or neither, zeros and NaN too', () => {
    const pool = [...randomFloats(6), 0, -0, Number.NaN, 1];
    const text = recentFloat32Text();
    const sequence = Array.from({ length: 5_000 }, () => pool[Math.floor(random.next() * pool.length)]!);
    expect(sequence.map((x) => text(x))).toEqual(sequence.map((x) => float32Text(x)));
  });
});
