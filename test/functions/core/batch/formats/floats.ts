import { Random } from '../../../../../models/build/random.ts';

// Seeded: a failure names values that the next run draws again.
export const random = new Random(32);

/** Float32 values of random bit patterns, the finite non-zero ones: from 1e-45 to 3.4e38. */
export function randomFloats(n: number): number[] {
  const bits = new Uint32Array(n);
  for (let i = 0; i < n; i++) bits[i] = Math.floor(random.next() * 2 ** 32);
  return [...new Float32Array(bits.buffer)].filter((x) => Number.isFinite(x) && x !== 0);
}
