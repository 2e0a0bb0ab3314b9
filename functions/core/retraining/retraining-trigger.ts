/** What the retraining state machine is started with when drift asks for it. */
export interface RetrainingRequest {
  readonly model: string;
  readonly version: string;
  readonly reason: 'drift';
  /** The alarm that fired. */
  readonly alarm: string;
  /** Where the latest drift report is, when one exists. */
  readonly driftReport?: string;
}

/** The edges the trigger needs: where the last start is remembered, and how to start a run. */
export interface RetrainingPorts {
  /** When retraining of `model` was last started, if ever. */
  lastStart(model: string): Promise<Date | undefined>;
  recordStart(model: string, at: Date): Promise<void>;
  /** Starts the retraining state machine; returns the execution's id. */
  start(request: RetrainingRequest): Promise<string>;
}

export type TriggerOutcome =
  | { readonly started: true; readonly execution: string }
  | { readonly started: false; readonly reason: string };

/**
 * Starts retraining unless it was started within the cooldown: a drift alarm that flaps, or several
 * features drifting one after another, must not start a training job each. The start is recorded
 * before the run is started, so a failure to record never leaves an unrecorded run behind.
 */
export async function triggerRetraining(request: RetrainingRequest, ports: RetrainingPorts, cooldownHours: number, now = new Date()): Promise<TriggerOutcome> {
  const last = await ports.lastStart(request.model);
  const until = last ? new Date(last.getTime() + cooldownHours * 3_600_000) : undefined;
  if (until && until > now) {
    return { started: false, reason: `retraining of ${request.model} started at ${last!.toISOString()}; cooling down until ${until.toISOString()}` };
  }
  await ports.recordStart(request.model, now);
  return { started: true, execution: await ports.start(request) };
}
