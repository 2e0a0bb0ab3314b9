import { describe, expect, it } from 'vitest';
import { plainDecimal } from '../../../../functions/core/batch/row-values.ts';
import { Random } from '../../../../models/build/random.ts';

describe('reading a plain decimal', () => {
  it('gives exactly what Number gives, for a million random decimals of up to 15 digits', () => {
    const random = new Random(11);
    let mismatches = 0;
    for (let i = 0; i < 1_000_000; i++) {
      const digits = 1 + Math.floor(random.next() * 15);
      let text = '';
      for (let d = 0; d < digits; d++) text += String(Math.floor(random.next() * 10));
      const point = Math.floor(random.next() * (digits + 1));
      if (point < digits) text = `${text.slice(0, point)}.${text.slice(point)}`;
      if (random.next() < 0.3) text = `-${text}`;
      if (!Object.is(plainDecimal(text), Number(text))) mismatches++;
    }
    expect(mismatches).toBe(0);
  });

  it('reads edge forms as Number does', () => {
    for (const text of ['0', '-0', '.5', '5.', '-.25', '007', '0.1184', '122.8', '999999999999999', '0.00000000000001']) {
      expect(Object.is(plainDecimal(text), Number(text)), text).toBe(true);
    }
  });

  it('leaves anything else to the general reader', () => {
    for (const text of ['', '-', '.', 'abc', '1e5', ' 5', '5 ', '+5', '1.2.3', '0x10', 'Infinity', 'NaN', '1,5', '1234567890123456', '0.000000000000001']) {
      expect(plainDecimal(text), text).toBeUndefined();
    }
  });
});
