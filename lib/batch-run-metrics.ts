import type { Duration } from 'aws-cdk-lib';
import { MathExpression } from 'aws-cdk-lib/aws-cloudwatch';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';

/** How a state machine execution ended, as Step Functions counts it. */
export type RunEnd = 'succeeded' | 'failed' | 'timedOut';

const METRIC: Record<RunEnd, (sm: IStateMachine, period: Duration) => ReturnType<IStateMachine['metricFailed']>> = {
  succeeded: (sm, period) => sm.metricSucceeded({ statistic: 'Sum', period }),
  failed: (sm, period) => sm.metricFailed({ statistic: 'Sum', period }),
  timedOut: (sm, period) => sm.metricTimedOut({ statistic: 'Sum', period }),
};

/**
 * Batch runs that ended one of these ways, summed over every batch state machine (the Lambda path
 * and each Batch Transform schedule's): the alarm and the dashboards count runs, whichever engine
 * scored them. Metric ids are `<end><machine index or ''>`.
 */
export function batchRuns(machines: readonly IStateMachine[], ends: readonly RunEnd[], label: string, period: Duration): MathExpression {
  const usingMetrics = Object.fromEntries(machines.flatMap((sm, i) => ends.map((end) => [`${end}${i || ''}`, METRIC[end](sm, period)])));
  return new MathExpression({
    expression: Object.keys(usingMetrics).map((id) => `FILL(${id}, 0)`).join(' + '),
    usingMetrics,
    label,
    period,
  });
}
