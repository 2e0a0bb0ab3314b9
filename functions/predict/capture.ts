import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { RequestCapture } from '../core/capture/request-capture.ts';
import { openLocation } from '../core/storage/location.ts';
import { emitMetric, logger } from '../shared/powertools.ts';
import type { Settings } from '../shared/settings.ts';

/** The request capture the settings ask for, or undefined; a failed upload is logged and counted, never thrown at a caller. */
export function captureFrom(settings: Settings): RequestCapture | undefined {
  if (!settings.CAPTURE_URI) return undefined;
  const { store, key } = openLocation(settings.CAPTURE_URI);
  return new RequestCapture({
    store,
    prefix: key,
    sampleRate: settings.CAPTURE_SAMPLE_RATE,
    features: settings.CAPTURE_FEATURES,
    onError: (error, records) => {
      logger.error('capture upload failed', { error, records });
      emitMetric({}, 'CaptureRecordsLost', MetricUnit.Count, records);
    },
  });
}
