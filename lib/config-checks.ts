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
