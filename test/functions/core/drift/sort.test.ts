import { describe, expect, it } from 'vitest';
import { sortFloat64 } from '../../../../functions/core/drift/sort.ts';
import { Rng } from './simulate.ts';

const native = (a: Float64Array) => Float64Array.from(a).sort();

describe('sortFloat64 (radix sort of doubles)', () => {
  it('sorts like TypedArray.prototype.sort: negatives, zeros, infinities, ties, tiny and huge values', () => {
    const rng = new Rng(3);
    const specials = [0, -0, Infinity, -Infinity, 5e-324, -5e-324, Number.MAX_VALUE, -Number.MAX_VALUE, 1, -1, 1, -1];
    for (const n of [5, 3000, 50_000]) {
      const a = new Float64Array(n);
      for (let i = 0; i < n; i++) a[i] = i < specials.length ? specials[i]! : rng.normal() * 10 ** Math.floor(rng.next() * 10 - 5);
      expect(Array.from(sortFloat64(Float64Array.from(a)))).toEqual(Array.from(native(a)));
    }
  });

  it('sorts data whose low digits are all equal (the passes it skips) and all-negative data', () => {
    const rng = new Rng(4);
    const ints = Float64Array.from({ length: 10_000 }, () => Math.floor(rng.next() * 100) - 50);
    const negative = Float64Array.from({ length: 10_000 }, () => -1 - rng.next());
    const constant = new Float64Array(5000).fill(-2.5);
    for (const a of [ints, negative, constant]) expect(Array.from(sortFloat64(Float64Array.from(a), new Float64Array(a.length)))).toEqual(Array.from(native(a)));
  });

  it('sorts a subarray in place, leaving the rest of its buffer alone', () => {
    const rng = new Rng(5);
    const whole = rng.normals(20_000);
    const before = Float64Array.from(whole);
    const part = whole.subarray(1000, 15_000);
    sortFloat64(part, new Float64Array(20_000));
    expect(Array.from(part)).toEqual(Array.from(native(before.subarray(1000, 15_000))));
    expect(Array.from(whole.subarray(0, 1000))).toEqual(Array.from(before.subarray(0, 1000)));
    expect(Array.from(whole.subarray(15_000))).toEqual(Array.from(before.subarray(15_000)));
  });
});
