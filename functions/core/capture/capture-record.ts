/** One captured prediction: the inputs (allow-listed features), the output, and who asked. */
export interface CaptureRecord {
  readonly ts: string;
  readonly requestId: string;
  /** Position of the instance in its request, to join labels of multi-instance requests. */
  readonly index: number;
  readonly model: string;
  readonly version: string;
  readonly features: Record<string, unknown>;
  readonly prediction: unknown;
}

/**
 * One mirrored request: what the primary and the shadow candidate answered, and how long each took.
 * One record per request (not per instance), so that a candidate's failure is kept as well.
 */
export interface ShadowRecord {
  readonly ts: string;
  readonly requestId: string;
  readonly model: string;
  /** The primary version, which answered the caller. */
  readonly version: string;
  readonly candidate: string;
  readonly rows: number;
  /** Validation and scoring time of each side, ms. */
  readonly latencyMs: { readonly primary: number; readonly candidate: number };
  readonly predictions: readonly unknown[];
  /** The candidate's predictions, unless it failed. */
  readonly answers?: readonly unknown[];
  readonly error?: string;
}

/** Where shadow records go under a capture prefix: apart from the models' own partitions, so that drift jobs never read them. */
export const SHADOW_PREFIX = '_shadow/';

const pad = (n: number) => String(n).padStart(2, '0');

/** `dt=YYYY-MM-DD/hr=HH/` of a time, in UTC. */
const hourOf = (at: Date) => `dt=${at.getUTCFullYear()}-${pad(at.getUTCMonth() + 1)}-${pad(at.getUTCDate())}/hr=${pad(at.getUTCHours())}/`;

/** `<model>/<version>/dt=YYYY-MM-DD/hr=HH/`: hourly partitions (UTC) that Athena, Glue and the drift job read by prefix. */
export function hourPartition(model: string, version: string, at: Date): string {
  return `${model}/${version}/${hourOf(at)}`;
}

/** `_shadow/<model>/<version>/<candidate>/dt=YYYY-MM-DD/hr=HH/`: the shadow records of one primary and candidate pair. */
export function shadowPartition(model: string, version: string, candidate: string, at: Date): string {
  return `${SHADOW_PREFIX}${model}/${version}/${candidate}/${hourOf(at)}`;
}

/** The hours (as dates) of the `hours` hours up to and including the one of `end`, oldest first. */
function recentHours(end: Date, hours: number): Date[] {
  const hour = 3_600_000;
  const last = Math.floor(end.getTime() / hour) * hour;
  return Array.from({ length: hours }, (_, i) => new Date(last - (hours - 1 - i) * hour));
}

/** The hourly partitions of the `hours` hours up to and including the one of `end`. */
export function recentPartitions(model: string, version: string, end: Date, hours: number): string[] {
  return recentHours(end, hours).map((at) => hourPartition(model, version, at));
}

/** The hourly shadow partitions of a primary and candidate pair over the `hours` hours up to and including the one of `end`. */
export function recentShadowPartitions(model: string, version: string, candidate: string, end: Date, hours: number): string[] {
  return recentHours(end, hours).map((at) => shadowPartition(model, version, candidate, at));
}
