/**
 * The checks every config file shares (config.ts and the SageMaker, retraining and Batch Transform
 * parts it delegates to), kept apart from config.ts so that those parts can use them without a
 * circular import.
 */

/** Throws `<path> must be an integer between <min> and <max>` unless value is undefined or in range. */
export function checkInteger(path: string, value: number | undefined, [min, max]: readonly [number, number]): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${path} must be an integer between ${min} and ${max}, got ${value}`);
  }
}

/** The retention values CloudWatch Logs accepts. */
const RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

/** Throws `<path> must be one of <the retention values> (days)` unless value is undefined or one. */
export function checkRetention(path: string, value: number | undefined): void {
  if (value !== undefined && !RETENTION_DAYS.includes(value)) {
    throw new Error(`${path} must be one of ${RETENTION_DAYS.join(', ')} (days), got ${value}`);
  }
}
