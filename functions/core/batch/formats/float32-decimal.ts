import { POWERS_OF_TEN } from '../powers-of-ten.ts';

/** The slow way, for the rare value outside [1e-12, 1e12): each precision printed and read back. */
function byPrecision(a: number): number {
  for (let digits = 1; digits < 9; digits++) {
    const candidate = Number(a.toPrecision(digits));
    if (Math.fround(candidate) === a) return candidate;
  }
  return Number(a.toPrecision(9));
}

/** A decimal `digits` × 10^-`scale`; `digits` -1 when none was found. */
export interface Decimal {
  digits: number;
  scale: number;
}

/** The double nearest to a decimal: the very division or product the search read back. */
const valueOf = ({ digits, scale }: Decimal): number => (scale >= 0 ? digits / POWERS_OF_TEN[scale]! : digits * POWERS_OF_TEN[-scale]!);

/** Whether `a` (with decimal exponent `exponent`) rounded to `digits` significant digits reads back as `a`; if so, leaves that decimal in `into`. */
function roundTrips(a: number, exponent: number, digits: number, into: Decimal): boolean {
  const scale = digits - 1 - exponent;
  const n = scale >= 0 ? Math.round(a * POWERS_OF_TEN[scale]!) : Math.round(a / POWERS_OF_TEN[-scale]!);
  const candidate = scale >= 0 ? n / POWERS_OF_TEN[scale]! : n * POWERS_OF_TEN[-scale]!;
  if (Math.fround(candidate) !== a) return false;
  into.digits = n;
  into.scale = scale;
  return true;
}

/**
 * The shortest decimal of the positive float32 `a` in [1e-12, 1e12), searched over 1-9 significant
 * digits (fewer digits round-trip only if more do), scaled by exact powers of ten: a computed score
 * usually takes 7 to 9, tried first in order, fewer by bisection. Every candidate is read back, so
 * an inexact scaling can cost a digit but never a wrong value. Leaves it in `into`, without
 * allocating; false, with `into.digits` -1, outside that range, for a value that is not a float32,
 * or when none was found.
 */
export function shortestFloat32(a: number, into: Decimal): boolean {
  into.digits = -1;
  if (!(a >= 1e-12 && a < 1e12 && Math.fround(a) === a)) return false;
  const exponent = Math.floor(Math.log10(a));
  if (!roundTrips(a, exponent, 7, into)) {
    if (!roundTrips(a, exponent, 8, into)) roundTrips(a, exponent, 9, into);
    return into.digits >= 0;
  }
  let fewest = 1;
  let most = 6;
  while (fewest <= most) {
    const digits = (fewest + most) >> 1;
    if (roundTrips(a, exponent, digits, into)) most = digits - 1;
    else fewest = digits + 1;
  }
  return true;
}

const found: Decimal = { digits: -1, scale: 0 };

/**
 * The shortest decimal that reads back as the float32 `x`, as the double nearest to it (so `String`
 * and `JSON.stringify` print that decimal). A model's float32 score printed as the double it widens
 * to, 0.9876543283462524, claims digits the model never computed and makes a CSV part almost twice
 * as large; 0.9876543 reads back as the very same float32. Values outside [1e-12, 1e12), where
 * scores rarely live, are found by printing. Zeros, non-finite numbers and numbers that are not
 * float32 values come back as they are.
 */
export function float32Decimal(x: number): number {
  const a = x < 0 ? -x : x;
  if (a === 0 || a === Number.POSITIVE_INFINITY || a !== a || Math.fround(a) !== a) return x;
  const shortest = shortestFloat32(a, found) ? valueOf(found) : a >= 1e-12 && a < 1e12 ? a : byPrecision(a);
  return x < 0 ? -shortest : shortest;
}
