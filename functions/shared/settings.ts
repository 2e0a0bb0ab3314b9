import { z } from 'zod';

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** Per model: how its served versions share traffic, and which version shadows it. */
export const Experiment = z.object({
  /** Version → weight; callers are split stickily by `stickyHeader`. */
  weights: z.record(z.string(), z.number().positive()).optional(),
  /** Request header whose value keeps a caller on one variant. */
  stickyHeader: z.string().min(1).default('x-user-id'),
  /** Version that receives a mirror of live requests, off the response path. */
  shadow: z.string().optional(),
});
export type Experiment = z.infer<typeof Experiment>;

const json = <T extends z.ZodType>(schema: T, name: string) =>
  z.string().transform((text, ctx): z.infer<T> => {
    try {
      const parsed = schema.safeParse(JSON.parse(text));
      if (parsed.success) return parsed.data;
      ctx.addIssue({ code: 'custom', message: `${name}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` });
    } catch {
      ctx.addIssue({ code: 'custom', message: `${name} must be JSON, got ${text}` });
    }
    return z.NEVER;
  });

/** A non-empty JSON array of strings in one variable (model sources), with a message naming the variable. */
export const jsonStringList = (name: string, required?: string) =>
  z.string(required ? { error: required } : undefined).transform((text, ctx) => {
    try {
      const list = JSON.parse(text);
      if (Array.isArray(list) && list.length > 0 && list.every((s) => typeof s === 'string')) return list as string[];
    } catch {
      // reported below
    }
    ctx.addIssue({ code: 'custom', message: `${name} must be a non-empty JSON array of strings, got ${text}` });
    return z.NEVER;
  });

/** Sampled request capture, read alike by every function that answers predictions (predict, SageMaker invoke). */
export const CaptureSettings = z.object({
  /** s3://bucket/prefix (or a folder) where sampled requests are captured; no capture when absent. */
  CAPTURE_URI: z.string().min(1).optional(),
  /** Share of requests captured. */
  CAPTURE_SAMPLE_RATE: z.coerce.number().min(0).max(1).default(0.1),
  /** Features kept in captures: a JSON array for every model, or an object of arrays by model name; all when absent. */
  CAPTURE_FEATURES: z
    .string()
    .transform((text, ctx) => {
      const names = z.array(z.string());
      try {
        const parsed = z.union([names, z.record(z.string(), names)]).safeParse(JSON.parse(text));
        if (parsed.success) return parsed.data;
      } catch {
        // reported below
      }
      ctx.addIssue({ code: 'custom', message: `CAPTURE_FEATURES must be a JSON array of feature names or an object of such arrays by model, got ${text}` });
      return z.NEVER;
    })
    .optional(),
});
export type CaptureSettings = z.infer<typeof CaptureSettings>;

/** The environment of the functions that load models (predict, score-chunk), as set by the stack or the CLI. */
export const Settings = z.object({
  /** JSON array of model package sources: folders or s3:// URIs. */
  MODELS: jsonStringList('MODELS', 'MODELS is required: a JSON array of model package folders or s3:// URIs'),
  MODEL_CACHE_DIR: z.string().optional(),
  INTRA_OP_NUM_THREADS: positiveInt(1),
  MAX_BATCH: positiveInt(1000),
  MAX_BODY_BYTES: positiveInt(1024 * 1024),
  ...CaptureSettings.shape,
  /**
   * JSON object of model.json paths by model name: models served elsewhere (SageMaker endpoints) whose
   * package is only their model.json, which the monitoring jobs read without onnxruntime.
   */
  MODEL_JSONS: json(z.record(z.string(), z.string().min(1)), 'MODEL_JSONS').optional(),
  /** JSON object of experiments by model name (A/B weights, sticky header, shadow version). */
  EXPERIMENTS: json(z.record(z.string(), Experiment), 'EXPERIMENTS').optional(),
});
export type Settings = z.infer<typeof Settings>;

export function readSettings(env: NodeJS.ProcessEnv): Settings {
  const parsed = Settings.safeParse(env);
  if (!parsed.success) {
    throw new Error(`invalid settings: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}
