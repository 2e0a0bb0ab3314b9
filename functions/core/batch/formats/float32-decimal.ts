import { POWERS_OF_TEN } from '../powers-of-ten.ts';

/**
 * The shortest decimal that reads back as the float32 `x`, as the double nearest to it (so `String`
 * and `JSON.stringify` print that decimal). A model's float32 score printed as the double it widens
 * to, 0.9876543283462524, claims digits the model never computed and makes a CSV part almost twice
 * as large; 0.9876543 reads back as the very same float32. Fewer digits round-trip only if more do,
 * so the search over 1-9 significant digits is a bisection; every candidate is checked by reading it
 * back, so an inexact scaling can cost a digit but never a wrong value. Zeros, values outside
 * [1e-12, 1e12) and numbers that are not float32 values come back as they are.
 */
export function float32Decimal(x: number): number {
  const a = x < 0 ? -x : x;
  if (!(a >= 1e-12 && a < 1e12)) return x;
  const exponent = Math.floor(Math.log10(a));
  let shortest = a;
  let fewest = 1;
  let most = 9;
  while (fewest <= most) {
    const digits = (fewest + most) >> 1;
    const scale = digits - 1 - exponent;
    const candidate = scale >= 0 ? Math.round(a * POWERS_OF_TEN[scale]!) / POWERS_OF_TEN[scale]! : Math.round(a / POWERS_OF_TEN[-scale]!) * POWERS_OF_TEN[-scale]!;
    if (Math.fround(candidate) === a) {
      shortest = candidate;
      most = digits - 1;
    } else fewest = digits + 1;
  }
  return x < 0 ? -shortest : shortest;
}
