import { joinKey } from '../storage/location.ts';
import type { Location } from '../storage/object-store.ts';

const stamp = (d: Date) => d.toISOString().replaceAll(':', '-').replace(/\.\d+Z$/, 'Z');

/**
 * Writes a scheduled job's report as `<reports>/<path>/<time>.json` and the same as an HTML page
 * beside it, keys sorting by time; returns the JSON's URI.
 */
export async function writeReport(reports: Location, path: string, at: Date, json: unknown, html: string): Promise<string> {
  const base = joinKey(reports.key, `${path}/${stamp(at)}`);
  await reports.store.write(`${base}.json`, `${JSON.stringify(json, null, 2)}\n`);
  await reports.store.write(`${base}.html`, html);
  return reports.store.uri(`${base}.json`);
}
