import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { z } from 'zod';
import { runLabelQuality } from '../core/quality/label-quality-job.ts';
import { openLocation } from '../core/storage/location.ts';
import { parse } from '../shared/parse.ts';
import { logger, metrics } from '../shared/powertools.ts';
import { loadServedModels } from '../shared/served-models.ts';
import { step } from '../shared/step.ts';
import { MonitoringEvent } from './events.ts';

const env = parse(z.object({ CAPTURE_URI: z.string().min(1), LABELS_URI: z.string().min(1) }), process.env, 'environment');
const { models } = await loadServedModels(process.env);

/** Scheduled: joins the labels that arrived to captured predictions and publishes the model's live quality. */
export const handler = step(async (event: unknown) => {
  const { model: name, windowHours } = parse(MonitoringEvent, event);
  const model = models.get(name);
  if (!model) throw new Error(`model "${name}" is not served by this function (it serves ${models.names.join(', ')})`);
  const result = await runLabelQuality({ pkg: model.pkg, capture: openLocation(env.CAPTURE_URI), labels: openLocation(env.LABELS_URI), windowHours });
  metrics.addDimensions({ model: model.name, version: model.version });
  metrics.addMetric('LabeledRows', MetricUnit.Count, result.labeledRows);
  for (const [metric, value] of Object.entries(result.metrics)) metrics.addMetric(metric, MetricUnit.NoUnit, value);
  logger.info('live quality', { model: model.name, version: model.version, ...result });
  return result;
});
