import { z } from 'zod';

/** What a monitoring schedule sends: which served model to look at, over how many hours. */
export const MonitoringEvent = z.object({
  model: z.string().min(1),
  windowHours: z.number().int().positive().max(24 * 31).default(24),
});

/** What a shadow report schedule sends: the primary and candidate pair, over how many hours. */
export const ShadowReportEvent = MonitoringEvent.extend({
  version: z.string().min(1),
  candidate: z.string().min(1),
});
