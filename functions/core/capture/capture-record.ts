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

const pad = (n: number) => String(n).padStart(2, '0');

/** `<model>/<version>/dt=YYYY-MM-DD/hr=HH/`: hourly partitions (UTC) that Athena, Glue and the drift job read by prefix. */
export function hourPartition(model: string, version: string, at: Date): string {
  return `${model}/${version}/dt=${at.getUTCFullYear()}-${pad(at.getUTCMonth() + 1)}-${pad(at.getUTCDate())}/hr=${pad(at.getUTCHours())}/`;
}

/** The hourly partitions of the `hours` hours up to and including the one of `end`. */
export function recentPartitions(model: string, version: string, end: Date, hours: number): string[] {
  const hour = 3_600_000;
  const last = Math.floor(end.getTime() / hour) * hour;
  return Array.from({ length: hours }, (_, i) => hourPartition(model, version, new Date(last - (hours - 1 - i) * hour)));
}
