/** Versions of one model and their shares of traffic. */
export interface TrafficSplit {
  readonly model: string;
  /** Version → weight (any positive numbers; shares are weight / sum). */
  readonly weights: Readonly<Record<string, number>>;
}

/**
 * FNV-1a, 32 bits, then MurmurHash3's finaliser: fast and stable (the same key lands in the same
 * bucket on every machine and deployment). FNV alone leaves keys that differ in their last
 * characters (user-1, user-2...) unevenly spread over the high bits; the finaliser evens them out.
 */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The version a caller is served. With a key (a user id), the choice is a pure function of the
 * model name and the key, so a caller keeps its variant across cold starts and deployments, and
 * the split of one model is independent of another's; without a key, each request is drawn anew.
 */
export function assignVariant(split: TrafficSplit, key: string | undefined, random: () => number = Math.random): string {
  const entries = Object.entries(split.weights);
  const total = entries.reduce((sum, [, w]) => sum + w, 0);
  const point = (key === undefined ? random() : hash32(`${split.model}\u0000${key}`) / 2 ** 32) * total;
  let upTo = 0;
  for (const [version, weight] of entries) {
    upTo += weight;
    if (point < upTo) return version;
  }
  return entries.at(-1)![0];
}
