import { z } from 'zod';

/** The retraining state as the steps read it: the start input, then each step's result under its own key. */
const Pointer = z.object({ version: z.string(), sha256: z.string(), promotedAt: z.string(), previous: z.array(z.object({ version: z.string(), sha256: z.string(), promotedAt: z.string() })) });

export const Start = z.object({ model: z.string().min(1) });
export const Prepared = z.object({
  production: Pointer.nullable(),
  productionUri: z.string().nullable(),
  candidateVersion: z.string(),
  trainingJobName: z.string(),
});
export const Training = z.object({ trainingJobName: z.string(), modelArtifacts: z.string().regex(/^s3:\/\//) });
// Loose: the approval request shows reviewers the whole evaluation (production's metrics, the improvement).
export const Evaluation = z.looseObject({ candidateUri: z.string(), candidateSha256: z.string(), candidate: z.record(z.string(), z.number()) });
export const Registered = z.object({ uri: z.string(), version: z.string(), sha256: z.string() });

export const EvaluateEvent = Start.extend({ prepare: Prepared, training: Training });
export const RegisterEvent = EvaluateEvent.extend({ evaluation: Evaluation });
export const DeployEvent = RegisterEvent.extend({ registered: Registered });
export const RollbackEvent = Start.extend({ prepare: Prepared });
export const ApprovalEvent = z.object({ taskToken: z.string().min(1), state: RegisterEvent });

/** The steps' settings, from the function's environment. */
export const Settings = z.object({
  REGISTRY_URI: z.string().regex(/^s3:\/\//),
  OUTPUT_URI: z.string().regex(/^s3:\/\//).optional(),
  TRAIN_URI: z.string().optional(),
  HOLDOUT_URI: z.string().optional(),
  GATE_METRIC: z.string().default('rocAuc'),
  LOWER_IS_BETTER: z.enum(['true', 'false']).default('false'),
  MODEL_CACHE_DIR: z.string().optional(),
});
