import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { z } from 'zod';
import { runDriftJob } from '../core/drift/drift-job.ts';
import { openLocation } from '../core/storage/location.ts';
import { parse } from '../shared/parse.ts';
import { emitMetric, logger, metrics } from '../shared/powertools.ts';
import { step } from '../shared/step.ts';
import { MonitoringEvent } from './events.ts';
import { MonitoredPackages } from './monitored-packages.ts';

const env = parse(z.object({ CAPTURE_URI: z.string().min(1), REPORTS_URI: z.string().min(1) }), process.env, 'environment');
const packages = await MonitoredPackages.load(process.env);

/**
 * Scheduled: the drift report of a model's recent captured traffic, and its metrics. `DriftDetected`
 * (0 or 1) per model and version is what the overall drift alarm, and so retraining, watches.
 */
export const handler = step(async (event: unknown) => {
  const { model: name, windowHours } = parse(MonitoringEvent, event);
  const pkg = packages.get(name);
  const result = await runDriftJob({ pkg, capture: openLocation(env.CAPTURE_URI), reports: openLocation(env.REPORTS_URI), windowHours });
  const dimensions = { model: pkg.name, version: pkg.version };
  metrics.addDimensions(dimensions);
  if (!result) {
    logger.warn('no captured requests in the window: no drift report', { ...dimensions, windowHours });
    metrics.addMetric('CapturedRows', MetricUnit.Count, 0);
    return { drift: false, rows: 0 };
  }
  const { report, uri } = result;
  metrics.addMetric('CapturedRows', MetricUnit.Count, report.rows);
  metrics.addMetric('DriftDetected', MetricUnit.Count, report.drift ? 1 : 0);
  for (const f of report.features) {
    emitMetric({ ...dimensions, feature: f.name }, 'FeatureDrift', MetricUnit.Count, f.drift ? 1 : 0);
    emitMetric({ ...dimensions, feature: f.name }, 'FeaturePsi', MetricUnit.NoUnit, f.psi);
  }
  if (report.prediction) metrics.addMetric('PredictionPsi', MetricUnit.NoUnit, report.prediction.psi);
  logger.info('drift report', { ...dimensions, drift: report.drift, drifted: report.features.filter((f) => f.drift).map((f) => f.name), report: uri });
  return { drift: report.drift, rows: report.rows, report: uri };
});
