import { hiddenBelow } from '../storage/location.ts';
import type { Location, ObjectInfo } from '../storage/object-store.ts';
import { type Chunk, OUTPUT_LAYOUT } from './contracts.ts';

/**
 * Folders strictly below `prefix` that hold a batch run's output (they have its chunk list): their
 * parts and rejects are an earlier run's results, not input. The prefix itself may be one, to
 * score a run's parts again.
 */
function runOutputsBelow(prefix: string, keys: readonly string[]): string[] {
  const folder = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
  const marker = `/${OUTPUT_LAYOUT.chunkList}`;
  return keys
    .filter((key) => key.endsWith(marker))
    .map((key) => key.slice(0, key.length - OUTPUT_LAYOUT.chunkList.length))
    .filter((root) => root.startsWith(folder) && root.length > folder.length);
}

/**
 * The input objects of a location, as every reader of batch inputs lists them: hidden objects and
 * folders below it (`_SUCCESS`, `_manifest.json`, `.crc`, `_shadow/`, `_chunks/`...) and earlier
 * runs' outputs below it are not input. An empty input is an error that names it.
 */
export async function listInput(location: Location, exclude: (key: string) => boolean = () => false): Promise<ObjectInfo[]> {
  const listed = await location.store.list(location.key);
  const outputs = runOutputsBelow(location.key, listed.map((o) => o.key));
  const objects = listed.filter((o) => !hiddenBelow(location.key, o.key) && !exclude(o.key) && !outputs.some((root) => o.key.startsWith(root)));
  if (objects.length === 0) throw new Error(`no input objects at ${location.store.uri(location.key)}`);
  return objects;
}

/** Input bytes each chunk covers, for progress: its range, or its share of the object (gzip, Parquet). */
export function chunkInputBytes(chunks: readonly Chunk[], objects: readonly ObjectInfo[]): (chunk: Chunk) => number {
  const sizes = new Map(objects.map((o) => [o.key, o.size]));
  const perObject = new Map<string, number>();
  for (const c of chunks) perObject.set(c.key, (perObject.get(c.key) ?? 0) + 1);
  return (c) => (c.range ? c.range.end - c.range.start : (sizes.get(c.key) ?? 0) / perObject.get(c.key)!);
}
