import { POWERS_OF_TEN } from '../powers-of-ten.ts';
import { type Decimal, float32Decimal, shortestFloat32 } from './float32-decimal.ts';

/** ASCII characters a text format must not write as they are (a flag per code), see TextBytes.plain. */
export type Stops = Uint8Array;

/** The stops of `chars`. */
export function stopsOf(chars: string): Stops {
  const stops = new Uint8Array(128);
  for (const c of chars) stops[c.charCodeAt(0)] = 1;
  return stops;
}

const FIRST_SIZE = 64 * 1024;

/** A float32 value written, with its shortest decimal. */
interface Remembered extends Decimal {
  value: number;
}

/**
 * A text part's block built as UTF-8 bytes, value by value: no string is made per value or line, and
 * no block string is encoded again on its way out. Numbers are written as JavaScript prints them.
 */
export class TextBytes {
  #buffer: Buffer | undefined;
  #size = FIRST_SIZE;
  #pos = 0;
  // The last two float32 values written with their decimals: a classifier's row holds its top
  // probability and then every class's, one of which is the same number.
  #last: Remembered = { value: Number.NaN, digits: -1, scale: 0 };
  #before: Remembered = { value: Number.NaN, digits: -1, scale: 0 };

  /** The buffer, with room for `n` more bytes. */
  #room(n: number): Buffer {
    let buffer = this.#buffer;
    if (buffer === undefined) buffer = this.#buffer = Buffer.allocUnsafeSlow(Math.max(this.#size, n));
    else if (this.#pos + n > buffer.length) {
      const grown = Buffer.allocUnsafeSlow(Math.max(buffer.length * 2, this.#pos + n));
      buffer.copy(grown, 0, 0, this.#pos);
      buffer = this.#buffer = grown;
    }
    return buffer;
  }

  byte(b: number): void {
    this.#room(1)[this.#pos++] = b;
  }

  /** Writes `s` when every character is ASCII and none is among `stops`; otherwise writes nothing and returns false. */
  plain(s: string, stops: Stops): boolean {
    const n = s.length;
    const buffer = this.#room(n);
    let pos = this.#pos;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80 || stops[c] === 1) return false;
      buffer[pos++] = c;
    }
    this.#pos = pos;
    return true;
  }

  /** Writes `s` as UTF-8. */
  utf8(s: string): void {
    if (this.plain(s, NO_STOPS)) return;
    const buffer = this.#room(Buffer.byteLength(s));
    this.#pos += buffer.write(s, this.#pos);
  }

  /** `k` digits of the integer `n` (0 ≤ n < 2^31), leading zeros included. */
  #digits(n: number, k: number): void {
    const buffer = this.#buffer!;
    for (let i = this.#pos + k - 1; i >= this.#pos; i--) {
      const q = (n / 10) | 0;
      buffer[i] = 48 + n - q * 10;
      n = q;
    }
    this.#pos += k;
  }

  #zeros(k: number): void {
    const buffer = this.#buffer!;
    for (let i = 0; i < k; i++) buffer[this.#pos++] = 48;
  }

  /**
   * `digits` × 10^-`scale` (digits < 10^9) as ECMA-262 Number::toString spells it: plain digits up
   * to 21 integer digits, `0.000…` down to 1e-6, exponent notation beyond.
   */
  #decimal(negative: boolean, digits: number, scale: number): void {
    while (digits % 10 === 0 && digits !== 0) {
      digits /= 10;
      scale--;
    }
    let k = 1;
    while (k < 10 && digits >= POWERS_OF_TEN[k]!) k++;
    const buffer = this.#room(40);
    if (negative) buffer[this.#pos++] = 45;
    // The decimal point sits after `point` digits: the value is 0.digits × 10^point.
    const point = k - scale;
    if (k <= point && point <= 21) {
      this.#digits(digits, k);
      this.#zeros(point - k);
    } else if (point > 0 && point <= 21) {
      const split = POWERS_OF_TEN[k - point]!;
      const high = Math.floor(digits / split);
      this.#digits(high, point);
      buffer[this.#pos++] = 46;
      this.#digits(digits - high * split, k - point);
    } else if (point > -6 && point <= 0) {
      buffer[this.#pos++] = 48;
      buffer[this.#pos++] = 46;
      this.#zeros(-point);
      this.#digits(digits, k);
    } else {
      const split = POWERS_OF_TEN[k - 1]!;
      const first = Math.floor(digits / split);
      this.#digits(first, 1);
      if (k > 1) {
        buffer[this.#pos++] = 46;
        this.#digits(digits - first * split, k - 1);
      }
      const e = point - 1;
      buffer[this.#pos++] = 101;
      buffer[this.#pos++] = e < 0 ? 45 : 43;
      const magnitude = e < 0 ? -e : e;
      this.#digits(magnitude, magnitude >= 10 ? 2 : 1);
    }
  }

  /**
   * A float32 value as `String(float32Decimal(x))`: the shortest decimal that reads back as the same
   * float32, found without printing (printing a double was over half of writing a score as text).
   */
  float32(x: number): void {
    const a = x < 0 ? -x : x;
    let known = a === this.#last.value ? this.#last : a === this.#before.value ? this.#before : undefined;
    if (known === undefined) {
      // The older entry is searched into and becomes the last.
      known = this.#before;
      known.value = Number.NaN;
      if (!shortestFloat32(a, known)) {
        this.utf8(String(float32Decimal(x)));
        return;
      }
      known.value = a;
      this.#before = this.#last;
      this.#last = known;
    }
    this.#decimal(x < 0, known.digits, known.scale);
  }

  /**
   * The bytes written since the last take, in a buffer of their own. The next block starts a new one
   * a quarter larger than this block was: blocks of a part are alike, and one large block must not
   * make every later one hold a buffer that large while it waits to be uploaded.
   */
  take(): Buffer {
    const written = this.#buffer === undefined ? Buffer.alloc(0) : this.#buffer.subarray(0, this.#pos);
    this.#size = Math.max(FIRST_SIZE, Math.ceil(this.#pos * 1.25));
    this.#buffer = undefined;
    this.#pos = 0;
    return written;
  }
}

const NO_STOPS: Stops = new Uint8Array(128);
