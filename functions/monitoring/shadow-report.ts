import { z } from 'zod';
import { runShadowJob } from '../core/compare/shadow-job.ts';
import { openLocation } from '../core/storage/location.ts';
import { parse } from '../shared/parse.ts';
import { logger } from '../shared/powertools.ts';
import { step } from '../shared/step.ts';
import { ShadowReportEvent } from './events.ts';

const env = parse(z.object({ CAPTURE_URI: z.string().min(1), REPORTS_URI: z.string().min(1) }), process.env, 'environment');

/**
 * Scheduled: the shadow comparison report of a primary and candidate pair over the window, beside
 * the model's drift reports. Its metrics are the predict function's, emitted live.
 */
export const handler = step(async (event: unknown) => {
  const { model, version, candidate, windowHours } = parse(ShadowReportEvent, event);
  const result = await runShadowJob({ model, version, candidate, capture: openLocation(env.CAPTURE_URI), reports: openLocation(env.REPORTS_URI), windowHours });
  const pair = { model, version, candidate };
  if (!result) {
    logger.warn('no shadow records in the window: no shadow report', { ...pair, windowHours });
    return { requests: 0 };
  }
  const { report, uri } = result;
  logger.info('shadow report', { ...pair, requests: report.requests, errors: report.errors, agreement: report.comparison.agreement, meanAbsDiff: report.comparison.meanAbsDiff, report: uri });
  return { requests: report.requests, errors: report.errors, agreement: report.comparison.agreement ?? null, meanAbsDiff: report.comparison.meanAbsDiff, report: uri };
});
