import { z } from 'zod';

/** The part of EventBridge's "CloudWatch Alarm State Change" event the trigger reads. */
export const AlarmStateChange = z.object({
  'detail-type': z.literal('CloudWatch Alarm State Change'),
  detail: z.object({
    alarmName: z.string(),
    state: z.object({ value: z.string() }),
    configuration: z
      .object({
        metrics: z
          .array(z.object({ metricStat: z.object({ metric: z.object({ dimensions: z.record(z.string(), z.string()).optional() }) }).optional() }))
          .optional(),
      })
      .optional(),
  }),
});
export type AlarmStateChange = z.infer<typeof AlarmStateChange>;

/** The model and version an alarm watches, from its metric's dimensions. */
export function alarmedModel(event: AlarmStateChange): { model: string; version: string } | undefined {
  for (const m of event.detail.configuration?.metrics ?? []) {
    const dims = m.metricStat?.metric.dimensions;
    if (dims?.model && dims.version) return { model: dims.model, version: dims.version };
  }
  return undefined;
}
