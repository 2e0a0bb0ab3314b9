import { hiddenBelow } from '../storage/location.ts';
import type { Location, ObjectInfo } from '../storage/object-store.ts';
import type { Chunk } from './contracts.ts';

/**
 * The input objects of a location, as every reader of batch inputs lists them: hidden objects and
 * folders below it (`_SUCCESS`, `_manifest.json`, `.crc`, `_shadow/`, `_chunks/`...) are not input.
 * An empty input is an error that names it.
 */
export async function listInput(location: Location, exclude: (key: string) => boolean = () => false): Promise<ObjectInfo[]> {
  const objects = (await location.store.list(location.key)).filter((o) => !hiddenBelow(location.key, o.key) && !exclude(o.key));
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
