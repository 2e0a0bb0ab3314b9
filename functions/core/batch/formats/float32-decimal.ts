import { POWERS_OF_TEN } from '../powers-of-ten.ts';

/** The slow way, for the rare value outside [1e-12, 1e12): each precision printed and read back. */
function byPrecision(a: number): number {
  for (let digits = 1; digits < 9; digits++) {
    const candidate = Number(a.toPrecision(digits));
    if (Math.fround(candidate) === a) return candidate;
  }
  return Number(a.toPrecision(9));
}

/**
 * The shortest decimal that reads back as the float32 `x`, as the double nearest to it (so `String`
 * and `JSON.stringify` print that decimal). A model's float32 score printed as the double it widens
 * to, 0.9876543283462524, claims digits the model never computed and makes a CSV part almost twice
 * as large; 0.9876543 reads back as the very same float32. Fewer digits round-trip only if more do,
 * so the search over 1-9 significant digits is a bisection, scaled by exact powers of ten inside
 * [1e-12, 1e12) (where scores live) and by printing outside it; every candidate is read back, so an
 * inexact scaling can cost a digit but never a wrong value. Zeros, non-finite numbers and numbers
 * that are not float32 values come back as they are.
 */
export function float32Decimal(x: number): number {
  const a = x < 0 ? -x : x;
  if (a === 0 || a === Number.POSITIVE_INFINITY || a !== a || Math.fround(a) !== a) return x;
  let shortest = a;
  if (a >= 1e-12 && a < 1e12) {
    const exponent = Math.floor(Math.log10(a));
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
  } else shortest = byPrecision(a);
  return x < 0 ? -shortest : shortest;
}
