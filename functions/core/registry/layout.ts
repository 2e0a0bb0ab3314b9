import { z } from 'zod';

/**
 * The registry's layout over any ObjectStore location (a folder or an S3 prefix):
 *
 *   <root>/<model>/versions/<version>/model.onnx    immutable (written only when absent)
 *   <root>/<model>/versions/<version>/model.json    immutable; its presence commits the version
 *   <root>/<model>/versions/<version>/lineage.json  immutable: training job, data, metrics, parent
 *   <root>/<model>/production.json                  the production pointer: one small write moves it
 */

export const versionPrefix = (model: string, version: string) => `${model}/versions/${version}`;
export const productionKey = (model: string) => `${model}/production.json`;

/**
 * Where a version came from: written once beside its model.json. Read leniently (unknown fields
 * kept, lists defaulted), since the retraining pipeline writes it too.
 */
export const Lineage = z.looseObject({
  model: z.string(),
  version: z.string(),
  sha256: z.string(),
  registeredAt: z.string(),
  /** The package registered from (folder or s3:// URI). */
  registeredFrom: z.string().optional(),
  /** The production version when this one was registered, or the one given explicitly. */
  parentVersion: z.string().optional(),
  /** SageMaker training job (name or ARN) that produced the model, when known. */
  trainingJob: z.string().optional(),
  /** URIs of the data the model was trained and evaluated on. */
  dataUris: z.array(z.string()).default([]),
  /** Holdout metrics, copied from model.json. */
  metrics: z.record(z.string(), z.number()).default({}),
  /** model.json's training block (data set, split, algorithm, script). */
  training: z.record(z.string(), z.unknown()).default({}),
});
export type Lineage = z.infer<typeof Lineage>;

const PointerEntry = z.object({ version: z.string(), sha256: z.string(), promotedAt: z.string() });
export type PointerEntry = z.infer<typeof PointerEntry>;

/** `production.json`: the current production version and the stack of earlier ones (most recent first) that rollback returns to. */
export const ProductionPointer = PointerEntry.extend({
  previous: z.array(PointerEntry),
});
export type ProductionPointer = z.infer<typeof ProductionPointer>;

/** How many earlier production versions the pointer remembers. */
export const PREVIOUS_KEPT = 20;

const parts = (v: string) => {
  const m = /^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?/.exec(v);
  return m ? { nums: [Number(m[1]), Number(m[2]), Number(m[3])], pre: m[4] } : { nums: [0, 0, 0], pre: v };
};

/** Semantic-version order (build metadata ignored; a prerelease sorts before its release). */
export function compareVersions(a: string, b: string): number {
  const x = parts(a);
  const y = parts(b);
  for (let i = 0; i < 3; i++) if (x.nums[i] !== y.nums[i]) return x.nums[i]! - y.nums[i]!;
  if (x.pre === y.pre) return a < b ? -1 : a > b ? 1 : 0;
  if (x.pre === undefined) return 1;
  if (y.pre === undefined) return -1;
  return x.pre < y.pre ? -1 : 1;
}
