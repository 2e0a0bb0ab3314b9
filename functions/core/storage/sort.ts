import type { ObjectInfo } from './object-store.ts';

/**
 * One key order for every store (code-unit order, as `<` compares strings), so that a listing and
 * the chunk indexes planned from it are the same whether the input sits in S3 or on disk.
 */
export const byKey = (a: ObjectInfo, b: ObjectInfo): number => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
