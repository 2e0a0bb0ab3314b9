/** Seeded data for the drift specifications: the same numbers on every machine and every run. */

/** mulberry32: a small, well-mixed 32-bit PRNG. */
export class Rng {
  private state: number;
  private spare = NaN;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Standard normal by Box–Muller, using both the cosine and the sine of each pair. */
  normal(): number {
    if (!Number.isNaN(this.spare)) {
      const v = this.spare;
      this.spare = NaN;
      return v;
    }
    const r = Math.sqrt(-2 * Math.log(1 - this.next()));
    const theta = 2 * Math.PI * this.next();
    this.spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  }

  /** n normals with mean `shift` (in SDs) and SD 1. */
  normals(n: number, shift = 0): Float64Array {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = this.normal() + shift;
    return out;
  }
}

/** `features` independent standard-normal columns x0..x{k-1}; `shifts` moves some of them by a number of SDs. */
export function normalColumns(rng: Rng, rows: number, features: number, shifts: Readonly<Record<string, number>> = {}): Map<string, Float64Array> {
  const columns = new Map<string, Float64Array>();
  for (let f = 0; f < features; f++) columns.set(`x${f}`, rng.normals(rows, shifts[`x${f}`] ?? 0));
  return columns;
}

export const numericSpecs = (features: number) => Array.from({ length: features }, (_, f) => ({ name: `x${f}`, type: 'numeric' as const }));
