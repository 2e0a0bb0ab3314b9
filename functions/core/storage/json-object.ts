import type { ObjectStore } from './object-store.ts';

/** A small JSON object of a store (a plan, a commit record, a manifest), parsed. */
export async function readJsonObject(store: ObjectStore, key: string): Promise<unknown> {
  return JSON.parse(new TextDecoder().decode(await store.readBytes(key)));
}

/** The same, or undefined when no object is at `key`. */
export async function readJsonIfPresent(store: ObjectStore, key: string): Promise<unknown> {
  return (await store.head(key)) ? readJsonObject(store, key) : undefined;
}
