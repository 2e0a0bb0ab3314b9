import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { z } from 'zod';
import { runLabelQuality } from '../core/quality/label-quality-job.ts';
import { openLocation } from '../core/storage/location.ts';
import { parse } from '../shared/parse.ts';
import { logger, metrics } from '../shared/powertools.ts';
import { step } from '../shared/step.ts';
import { MonitoringEvent } from './events.ts';
import { MonitoredPackages } from './monitored-packages.ts';

const env = parse(z.object({ CAPTURE_URI: z.string().min(1), LABELS_URI: z.string().min(1) }), process.env, 'environment');
const packages = await MonitoredPackages.load(process.env);

/** Scheduled: joins the labels that arrived to captured predictions and publishes the model's live quality. */
export const handler = step(async (event: unknown) => {
  const { model: name, windowHours } = parse(MonitoringEvent, event);
  const pkg = packages.get(name);
  const result = await runLabelQuality({ pkg, capture: openLocation(env.CAPTURE_URI), labels: openLocation(env.LABELS_URI), windowHours });
  metrics.addDimensions({ model: pkg.name, version: pkg.version });
  metrics.addMetric('LabeledRows', MetricUnit.Count, result.labeledRows);
  for (const [metric, value] of Object.entries(result.metrics)) metrics.addMetric(metric, MetricUnit.NoUnit, value);
  logger.info('live quality', { model: pkg.name, version: pkg.version, ...result });
  return result;
});
