import type { ObjectStore } from './object-store.ts';

const parseJson = (bytes: Uint8Array): unknown => JSON.parse(new TextDecoder().decode(bytes));

/** A small JSON object of a store (a plan, a commit record, a manifest), parsed. */
export async function readJsonObject(store: ObjectStore, key: string): Promise<unknown> {
  return parseJson(await store.readBytes(key));
}

/** The same, or undefined when no object is at `key`. */
export async function readJsonIfPresent(store: ObjectStore, key: string): Promise<unknown> {
  const bytes = await store.readIfPresent(key);
  return bytes === undefined ? undefined : parseJson(bytes);
}
