import type { ModelPackage } from '../model-package.ts';
import { parsePackage } from '../package-file.ts';
import { joinKey, type LocationOptions, openLocation } from '../storage/location.ts';
import { checkExamples, type ExampleFailure, type InvokeVersion } from './golden-examples.ts';

/** CodeDeploy's verdict on a lifecycle hook. */
export type HookStatus = 'Succeeded' | 'Failed';

/** The edges of the hook: where the examples come from, the version under test, and CodeDeploy. */
export interface PreTrafficHookPorts {
  /** The packages whose examples the version must answer. */
  packages(): Promise<readonly ModelPackage[]>;
  readonly invoke: InvokeVersion;
  /** Tells CodeDeploy the verdict (PutLifecycleEventHookExecutionStatus). */
  report(status: HookStatus): Promise<void>;
}

export interface HookOutcome {
  readonly status: HookStatus;
  readonly checked: number;
  readonly failures: readonly ExampleFailure[];
  /** Why the check could not run at all (unreadable packages). */
  readonly error?: string;
}

/**
 * Checks the new version against the golden examples and reports the verdict, whatever happens:
 * a hook that throws before reporting leaves CodeDeploy waiting an hour before it fails the deployment.
 */
export async function runPreTrafficHook(ports: PreTrafficHookPorts): Promise<HookOutcome> {
  let outcome: HookOutcome;
  try {
    const check = await checkExamples(await ports.packages(), ports.invoke);
    outcome = { status: check.failures.length === 0 && check.checked > 0 ? 'Succeeded' : 'Failed', ...check };
  } catch (err) {
    outcome = { status: 'Failed', checked: 0, failures: [], error: (err as Error).message };
  }
  await ports.report(outcome.status);
  return outcome;
}

/**
 * Reads each source's model.json (a folder or an `s3://bucket/prefix` URI), validated (package-file.ts carries no onnxruntime, which the hook's asset leaves out).
 */
export async function readPackages(sources: readonly string[], options: LocationOptions = {}): Promise<ModelPackage[]> {
  return Promise.all(
    sources.map(async (source) => {
      const { store, key } = openLocation(source, options);
      return parsePackage(new TextDecoder().decode(await store.readBytes(joinKey(key, 'model.json'))), source);
    }),
  );
}
