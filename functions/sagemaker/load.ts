import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { z } from 'zod';
import { readModelJson } from '../core/package-file.ts';
import { EndpointModel } from '../core/sagemaker/served.ts';
import { CaptureSettings } from '../shared/settings.ts';

const Settings = CaptureSettings.extend({
  /** [{name, endpoint, modelJson, timeoutMs}], written by the stack. */
  SAGEMAKER_MODELS: z.string().transform((s, ctx) => {
    const parsed = z
      .array(z.object({ name: z.string().min(1), endpoint: z.string().min(1), modelJson: z.string().min(1), timeoutMs: z.number().int().positive() }))
      .min(1)
      .safeParse(JSON.parse(s));
    if (!parsed.success) {
      ctx.addIssue({ code: 'custom', message: parsed.error.message });
      return z.NEVER;
    }
    return parsed.data;
  }),
  MAX_BODY_BYTES: z.coerce.number().int().positive().default(1024 * 1024),
  MAX_BATCH: z.coerce.number().int().positive().default(1000),
});

/** Reads the settings (capture's as the predict function reads them) and every model.json, checking each names the model it serves. */
export async function loadEndpointModels(env: NodeJS.ProcessEnv, client = new SageMakerRuntimeClient({ maxAttempts: 1 })) {
  const settings = Settings.parse(env);
  const models = await Promise.all(
    settings.SAGEMAKER_MODELS.map(async (m) => new EndpointModel(await readModelJson(m.modelJson, m.name), m.endpoint, client, m.timeoutMs, settings.MAX_BATCH)),
  );
  return { settings, models };
}
