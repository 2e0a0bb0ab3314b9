import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Writes `body` at `path` under `root`, making the folders on the way (capture roots, nested inputs). */
export function writeAt(root: string, path: string, body: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), body);
}

/** JSON Lines text of some records. */
export const jsonLines = (records: readonly object[]): string => `${records.map((r) => JSON.stringify(r)).join('\n')}\n`;
