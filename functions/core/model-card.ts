import type { ModelPackage } from './model-package.ts';

/** The model card of `GET /models/{name}`, the same whatever serves the model. */
export const modelCard = (pkg: ModelPackage) => ({
  name: pkg.name,
  version: pkg.version,
  task: pkg.task,
  description: pkg.description,
  sha256: pkg.sha256,
  features: pkg.features,
  outputs: pkg.outputs,
  metrics: pkg.metrics,
  training: pkg.training,
  examples: pkg.examples,
});
