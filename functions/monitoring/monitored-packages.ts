import { readFile } from 'node:fs/promises';
import type { ModelPackage } from '../core/model-package.ts';
import { readModelJson } from '../core/package-file.ts';
import { loadServedModels } from '../shared/served-models.ts';

/** Why a SageMaker-served model's model.json cannot be judged: a missing baseline said plainly, anything else as parsing said it. */
async function problemOf(path: string, error: unknown): Promise<string> {
  const json = await readFile(path, 'utf8').then(JSON.parse, () => undefined);
  if (json && typeof json === 'object' && !('baseline' in json)) {
    return `${path} has no baseline: the drift job compares captured requests with the training statistics model.json keeps under "baseline" (models/build/baseline.ts writes them)`;
  }
  return (error as Error).message;
}

/**
 * The packages the monitoring jobs judge, by model name: the Lambda-served models' (loaded as the
 * predict function loads them, from `MODELS`) and the SageMaker-served models' model.json
 * (`MODEL_JSONS`). A model.json that cannot be used fails only its own model's runs, with the reason:
 * one bad file must not stop every other model's monitoring.
 */
export class MonitoredPackages {
  private constructor(
    private readonly packages: ReadonlyMap<string, ModelPackage>,
    private readonly problems: ReadonlyMap<string, string>,
  ) {}

  static async load(env: NodeJS.ProcessEnv): Promise<MonitoredPackages> {
    const { settings, models } = await loadServedModels(env);
    const packages = new Map(models.names.map((name) => [name, models.get(name)!.pkg]));
    const problems = new Map<string, string>();
    for (const [name, path] of Object.entries(settings.MODEL_JSONS ?? {})) {
      try {
        packages.set(name, await readModelJson(path, name));
      } catch (error) {
        problems.set(name, await problemOf(path, error));
      }
    }
    return new MonitoredPackages(packages, problems);
  }

  /** The package of a model, or an error naming why there is none. */
  get(name: string): ModelPackage {
    const pkg = this.packages.get(name);
    if (pkg) return pkg;
    const problem = this.problems.get(name);
    if (problem) throw new Error(`model "${name}" cannot be monitored: ${problem}`);
    throw new Error(`model "${name}" is not served by this function (it serves ${[...this.packages.keys(), ...this.problems.keys()].join(', ')})`);
  }
}
