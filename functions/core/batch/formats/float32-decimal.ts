import { POWERS_OF_TEN } from '../powers-of-ten.ts';

/** The slow way, for the rare value outside [1e-12, 1e12): each precision printed and read back. */
function byPrecision(a: number): number {
  for (let digits = 1; digits < 9; digits++) {
    const candidate = Number(a.toPrecision(digits));
    if (Math.fround(candidate) === a) return candidate;
  }
  return Number(a.toPrecision(9));
}

/** Left by `roundTrips` when it succeeds: the decimal `foundDigits` × 10^-`foundScale`, and the double nearest to it. */
let foundDigits = -1;
let foundScale = 0;
let foundValue = 0;

/** Whether `a` (with decimal exponent `exponent`) rounded to `digits` significant digits reads back as `a`; if so, leaves that decimal in found*. */
function roundTrips(a: number, exponent: number, digits: number): boolean {
  const scale = digits - 1 - exponent;
  const n = scale >= 0 ? Math.round(a * POWERS_OF_TEN[scale]!) : Math.round(a / POWERS_OF_TEN[-scale]!);
  const candidate = scale >= 0 ? n / POWERS_OF_TEN[scale]! : n * POWERS_OF_TEN[-scale]!;
  if (Math.fround(candidate) !== a) return false;
  foundDigits = n;
  foundScale = scale;
  foundValue = candidate;
  return true;
}

/** A decimal `digits` × 10^-`scale`; `digits` -1 when none was found. */
export interface Decimal {
  digits: number;
  scale: number;
}

/**
 * The shortest decimal of the positive float32 `a` in [1e-12, 1e12) into `into` (see shortestScaled),
 * without allocating; false, with `into.digits` -1, outside that range or for a value that is not a
 * float32.
 */
export function shortestFloat32(a: number, into: Decimal): boolean {
  into.digits = -1;
  if (!(a >= 1e-12 && a < 1e12 && Math.fround(a) === a)) return false;
  shortestScaled(a);
  into.digits = foundDigits;
  into.scale = foundScale;
  return foundDigits >= 0;
}

/**
 * The shortest decimal of the positive float32 `a` in [1e-12, 1e12), searched over 1-9 significant
 * digits (fewer digits round-trip only if more do), scaled by exact powers of ten: a computed score
 * usually takes 7 to 9, tried first in order, fewer by bisection. Every candidate is read back, so
 * an inexact scaling can cost a digit but never a wrong value. Leaves the decimal in found*
 * (`foundDigits` -1 when none was found).
 */
function shortestScaled(a: number): void {
  const exponent = Math.floor(Math.log10(a));
  foundDigits = -1;
  if (!roundTrips(a, exponent, 7)) {
    if (!roundTrips(a, exponent, 8)) roundTrips(a, exponent, 9);
    return;
  }
  let fewest = 1;
  let most = 6;
  while (fewest <= most) {
    const digits = (fewest + most) >> 1;
    if (roundTrips(a, exponent, digits)) most = digits - 1;
    else fewest = digits + 1;
  }
}

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
  let shortest = a;
  if (a >= 1e-12 && a < 1e12) {
    shortestScaled(a);
    if (foundDigits >= 0) shortest = foundValue;
  } else shortest = byPrecision(a);
  return x < 0 ? -shortest : shortest;
}
