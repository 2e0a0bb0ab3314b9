import { randomUUID } from 'node:crypto';
import type { Model } from '../model.ts';
import { joinKey } from '../storage/location.ts';
import type { ObjectStore } from '../storage/object-store.ts';
import { type CaptureRecord, hourPartition } from './capture-record.ts';

/** A record as buffered: its time still a number. */
type Buffered = Omit<CaptureRecord, 'ts'> & { readonly at: number };

export interface RequestCaptureOptions {
  readonly store: ObjectStore;
  /** Key prefix the hourly partitions go under. */
  readonly prefix: string;
  /** Share of requests captured, 0 to 1. */
  readonly sampleRate: number;
  /** Features kept in a record (others are left out, e.g. personal data): one list, or lists by model name. @default every feature */
  readonly features?: readonly string[] | Readonly<Record<string, readonly string[]>>;
  /** Records buffered before an upload starts. @default 500 */
  readonly maxRecords?: number;
  /** Age of the oldest buffered record after which an upload starts. @default 60 s */
  readonly maxAgeMs?: number;
  /** Told of an upload that failed, with the records it lost. */
  readonly onError?: (error: Error, records: number) => void;
  readonly random?: () => number;
  readonly now?: () => number;
}

/**
 * Samples requests and keeps their inputs and outputs for drift detection and label joins. On the
 * request path it only decides and appends to a buffer (a few microseconds); serialising and
 * uploading happen in `flushIfDue`, which the handler starts after the response without waiting for
 * it. On Lambda an upload left running continues when the environment thaws for the next request;
 * what is buffered when an environment is retired is lost, which a sample can afford.
 */
export class RequestCapture {
  private buffer: Buffered[] = [];
  private oldest = 0;
  private readonly uploads = new Set<Promise<void>>();
  private readonly allowLists = new Map<string, ReadonlySet<string> | undefined>();

  constructor(private readonly options: RequestCaptureOptions) {}

  /** The features a model's records keep, or undefined for all of them. */
  private allowList(model: string): ReadonlySet<string> | undefined {
    if (!this.allowLists.has(model)) {
      const { features } = this.options;
      const list = Array.isArray(features) ? features : (features as Record<string, readonly string[]> | undefined)?.[model];
      this.allowLists.set(model, list ? new Set(list) : undefined);
    }
    return this.allowLists.get(model);
  }

  /** Whether this request is captured. */
  sample(): boolean {
    return (this.options.random ?? Math.random)() < this.options.sampleRate;
  }

  /**
   * Buffers one record per instance; positional instances are named in feature order. Without an
   * allow-list a named instance is kept as it came (the parsed request body is not reused), and
   * timestamps are formatted at upload: the request pays for little more than a push.
   */
  add(model: Model, requestId: string, instances: readonly unknown[], predictions: readonly unknown[]): void {
    const now = (this.options.now ?? Date.now)();
    if (this.buffer.length === 0) this.oldest = now;
    const names = model.pkg.features;
    const allowed = this.allowList(model.name);
    for (let i = 0; i < instances.length; i++) {
      const instance = instances[i];
      let features: Record<string, unknown>;
      if (!allowed && !Array.isArray(instance)) features = instance as Record<string, unknown>;
      else {
        features = {};
        for (let j = 0; j < names.length; j++) {
          const name = names[j]!.name;
          if (allowed && !allowed.has(name)) continue;
          features[name] = Array.isArray(instance) ? instance[j] : (instance as Record<string, unknown>)[name];
        }
      }
      this.buffer.push({ at: now, requestId, index: i, model: model.name, version: model.version, features, prediction: predictions[i] });
    }
  }

  /** Starts an upload when the buffer is full or old enough; returns it, or undefined when nothing was due. */
  flushIfDue(): Promise<void> | undefined {
    const full = this.buffer.length >= (this.options.maxRecords ?? 500);
    const old = this.buffer.length > 0 && (this.options.now ?? Date.now)() - this.oldest >= (this.options.maxAgeMs ?? 60_000);
    return full || old ? this.flush() : undefined;
  }

  /** Uploads everything buffered, one object per model, version and hour; resolves when every upload is done. */
  flush(): Promise<void> {
    const records = this.buffer;
    this.buffer = [];
    const groups = new Map<string, Buffered[]>();
    for (const r of records) {
      const key = hourPartition(r.model, r.version, new Date(r.at));
      const group = groups.get(key);
      if (group) group.push(r);
      else groups.set(key, [r]);
    }
    for (const [partition, group] of groups) {
      const key = joinKey(this.options.prefix, `${partition}${group[0]!.at}-${randomUUID()}.jsonl`);
      const line = ({ at, ...rest }: Buffered): string => JSON.stringify({ ts: new Date(at).toISOString(), ...rest } satisfies CaptureRecord);
      const body = `${group.map(line).join('\n')}\n`;
      const upload = this.options.store.write(key, body).catch((err: Error) => this.options.onError?.(err, group.length));
      this.uploads.add(upload);
      void upload.finally(() => this.uploads.delete(upload));
    }
    return Promise.all(this.uploads).then(() => undefined);
  }
}
