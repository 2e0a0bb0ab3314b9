/**
 * Ascending sort of a Float64Array without NaN, as an LSD radix sort on the IEEE-754 bits.
 *
 * Why not `TypedArray.prototype.sort`: V8's comparison sort takes ~100 ms for 1M doubles, which alone
 * would hold a two-sample KS over 1M rows × 30 features to ~5M values/s; four 16-bit counting passes
 * take a fraction of that, and a pass is skipped when every value shares its digit (integers, small
 * ranges), so real data often needs fewer.
 *
 * Values are moved as doubles, never as transformed bit patterns: a transformed key may be a NaN bit
 * pattern, and engines may canonicalise NaN payloads on a load/store. So the passes order the raw bits
 * as unsigned integers, which puts positives first (ascending) and negatives after them by ascending
 * magnitude; one last pass moves the negatives to the front in reverse order. -0 sorts next to +0
 * (they compare equal, which is all the KS merge needs).
 */

const SMALL = 2048;
const RADIX = 1 << 16;
const histogram = new Uint32Array(4 * RADIX);

/**
 * Sort `values` in place (finite or infinite numbers only: NaN must have been removed).
 * `scratch`, at least as long as `values`, is used as the second buffer; pass one to avoid an allocation.
 */
export function sortFloat64(values: Float64Array, scratch?: Float64Array): Float64Array {
  const n = values.length;
  if (n < SMALL) return values.sort();
  const other = scratch && scratch.length >= n ? scratch.subarray(0, n) : new Float64Array(n);
  const h = histogram.fill(0);
  const bits = new Uint32Array(values.buffer, values.byteOffset, 2 * n);
  const otherBits = new Uint32Array(other.buffer, other.byteOffset, 2 * n);
  let negatives = 0;
  for (let i = 0, j = 0; i < n; i++, j += 2) {
    const lo = bits[j]!;
    const hi = bits[j + 1]!;
    negatives += hi >>> 31;
    h[lo & 0xffff]!++;
    h[RADIX + (lo >>> 16)]!++;
    h[2 * RADIX + (hi & 0xffff)]!++;
    h[3 * RADIX + (hi >>> 16)]!++;
  }
  let src = values;
  let dst = other;
  let srcBits = bits;
  let dstBits = otherBits;
  for (let pass = 0; pass < 4; pass++) {
    const base = pass * RADIX;
    // A digit shared by every value leaves the order as it is: skip the pass.
    const firstDigit = pass < 2 ? (pass === 0 ? srcBits[0]! & 0xffff : srcBits[0]! >>> 16) : pass === 2 ? srcBits[1]! & 0xffff : srcBits[1]! >>> 16;
    if (h[base + firstDigit] === n) continue;
    let sum = 0;
    for (let d = 0; d < RADIX; d++) {
      const c = h[base + d]!;
      h[base + d] = sum;
      sum += c;
    }
    const word = pass >> 1; // 0: low 32 bits, 1: high 32 bits
    const shift = (pass & 1) * 16;
    for (let i = 0; i < n; i++) {
      const digit = (srcBits[2 * i + word]! >>> shift) & 0xffff;
      dst[h[base + digit]!++] = src[i]!;
    }
    [src, dst] = [dst, src];
    [srcBits, dstBits] = [dstBits, srcBits];
  }
  // Negatives (sign bit set) are at the end, smallest magnitude first: move them to the front, reversed.
  if (negatives > 0) {
    const positives = n - negatives;
    for (let i = 0; i < negatives; i++) dst[i] = src[n - 1 - i]!;
    dst.set(src.subarray(0, positives), negatives);
    [src, dst] = [dst, src];
  }
  if (src !== values) values.set(src);
  return values;
}
