import type { Model } from '../core/model.ts';
import type { ModelSet } from '../core/model-set.ts';
import { Shadow, type ShadowOutcome } from '../core/routing/shadow.ts';
import { assignVariant } from '../core/routing/traffic-split.ts';
import { httpError } from '../http/http-error.ts';
import type { Experiment } from '../shared/settings.ts';

const header = (headers: Record<string, string | undefined>, name: string): string | undefined => {
  for (const key in headers) if (key.toLowerCase() === name) return headers[key];
  return undefined;
};

/**
 * Which version answers a request, and which shadows it: the experiments of the configuration,
 * checked against the loaded versions once, at init, so that a typo fails the deployment, not a
 * request.
 */
export class Traffic {
  private readonly shadows = new Map<string, Shadow>();

  constructor(
    private readonly models: ModelSet,
    private readonly experiments: Readonly<Record<string, Experiment>>,
    report: (outcome: ShadowOutcome) => void,
  ) {
    for (const [name, experiment] of Object.entries(experiments)) {
      const path = `EXPERIMENTS.${name}`;
      if (!models.get(name)) throw new Error(`${path}: model "${name}" is not served (served: ${models.names.join(', ')})`);
      const versions = [...Object.keys(experiment.weights ?? {}), ...(experiment.shadow ? [experiment.shadow] : [])];
      for (const version of versions) {
        if (!models.version(name, version)) throw new Error(`${path}: version ${version} of ${name} is not served`);
      }
      if (experiment.shadow) this.shadows.set(name, new Shadow(models.version(name, experiment.shadow)!, report));
    }
  }

  /**
   * The version that answers: the one a request pins with `X-Model-Version` (the rollout hook
   * checks each version's examples this way), else a sticky draw among the weighted variants, else
   * the primary.
   */
  choose(name: string, headers: Record<string, string | undefined>): Model | undefined {
    const pinned = header(headers, 'x-model-version');
    if (pinned !== undefined && this.models.get(name)) {
      const model = this.models.version(name, pinned);
      if (!model) throw httpError(404, `version ${pinned} of model "${name}" is not served`, [{ path: 'X-Model-Version', message: `served versions: ${this.versionsOf(name).join(', ')}` }]);
      return model;
    }
    const experiment = this.experiments[name];
    if (!experiment?.weights) return this.models.get(name);
    const version = assignVariant({ model: name, weights: experiment.weights }, header(headers, experiment.stickyHeader.toLowerCase()));
    return this.models.version(name, version);
  }

  private versionsOf(name: string): string[] {
    return this.models.list().filter((m) => m.name === name).map((m) => m.version);
  }

  /** The shadow of the model that answered, unless it is the shadow version itself. */
  shadowOf(model: Model): Shadow | undefined {
    const shadow = this.shadows.get(model.name);
    return shadow && shadow.candidate !== model ? shadow : undefined;
  }
}
