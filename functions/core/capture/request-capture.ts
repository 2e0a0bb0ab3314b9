import { randomUUID } from 'node:crypto';
import type { ModelPackage } from '../model-package.ts';
import { joinKey } from '../storage/location.ts';
import type { ObjectStore } from '../storage/object-store.ts';
import type { ShadowOutcome } from '../routing/shadow.ts';
import { type CaptureRecord, hourPartition, type ShadowRecord, shadowPartition } from './capture-record.ts';

/** A record as buffered: its time still a number. */
type Buffered = Omit<CaptureRecord, 'ts'> & { readonly at: number };
type BufferedShadow = Omit<ShadowRecord, 'ts'> & { readonly at: number };

const line = ({ at, ...rest }: { readonly at: number }): string => JSON.stringify({ ts: new Date(at).toISOString(), ...rest });

/** What a record needs of the model that answered: a Lambda-served `Model` or a SageMaker-served `EndpointModel`. */
export interface CapturedModel {
  readonly name: string;
  readonly version: string;
  readonly pkg: Pick<ModelPackage, 'features'>;
}

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
  /** Age of the oldest buffered record after which `flushIfDue` uploads: after the next request on Lambda, within a second on the local server. @default 60 s */
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
  private shadows: BufferedShadow[] = [];
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
  add(model: CapturedModel, requestId: string, instances: readonly unknown[], predictions: readonly unknown[]): void {
    const now = this.stamp();
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

  /** Buffers what a sampled request's shadow answered beside the primary, for the shadow comparison report. */
  addShadow(requestId: string, outcome: ShadowOutcome): void {
    const { primary, candidate, predictions, answers, error } = outcome;
    this.shadows.push({
      at: this.stamp(),
      requestId,
      model: primary.name,
      version: primary.version,
      candidate: candidate.version,
      rows: predictions.length,
      latencyMs: { primary: outcome.primaryLatencyMs, candidate: outcome.latencyMs },
      predictions,
      ...(answers ? { answers } : {}),
      ...(error ? { error: error.message } : {}),
    });
  }

  /** Now, which starts the age of the buffer when it was empty. */
  private stamp(): number {
    const now = (this.options.now ?? Date.now)();
    if (this.buffered() === 0) this.oldest = now;
    return now;
  }

  private buffered(): number {
    return this.buffer.length + this.shadows.length;
  }

  /** Starts an upload when the buffer is full or old enough; returns it, or undefined when nothing was due. */
  flushIfDue(): Promise<void> | undefined {
    const full = this.buffered() >= (this.options.maxRecords ?? 500);
    const old = this.buffered() > 0 && (this.options.now ?? Date.now)() - this.oldest >= (this.options.maxAgeMs ?? 60_000);
    return full || old ? this.flush() : undefined;
  }

  /** Uploads everything buffered, one object per model, version (or shadow pair) and hour; resolves when every upload is done. */
  flush(): Promise<void> {
    const groups = new Map<string, { readonly at: number; readonly lines: string[] }>();
    const put = (partition: string, record: { readonly at: number }) => {
      const group = groups.get(partition);
      if (group) group.lines.push(line(record));
      else groups.set(partition, { at: record.at, lines: [line(record)] });
    };
    for (const r of this.buffer) put(hourPartition(r.model, r.version, new Date(r.at)), r);
    for (const r of this.shadows) put(shadowPartition(r.model, r.version, r.candidate, new Date(r.at)), r);
    this.buffer = [];
    this.shadows = [];
    for (const [partition, group] of groups) {
      const key = joinKey(this.options.prefix, `${partition}${group.at}-${randomUUID()}.jsonl`);
      const body = `${group.lines.join('\n')}\n`;
      const upload = this.options.store.write(key, body).catch((err: Error) => this.options.onError?.(err, group.lines.length));
      this.uploads.add(upload);
      void upload.finally(() => this.uploads.delete(upload));
    }
    return Promise.all(this.uploads).then(() => undefined);
  }
}
