import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type middy from '@middy/core';
import { RequestCapture } from '../core/capture/request-capture.ts';
import { openLocation } from '../core/storage/location.ts';
import { emitMetric, logger } from './powertools.ts';
import type { CaptureSettings } from './settings.ts';

/** The request capture the settings ask for, or undefined; a failed upload is logged and counted, never thrown at a caller. */
export function captureFrom(settings: CaptureSettings): RequestCapture | undefined {
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

/** Starts a due capture upload once the response is ready, without making the caller wait for it. */
export const captureFlush = (capture: RequestCapture | undefined): middy.MiddlewareObj => ({
  after: () => {
    void capture?.flushIfDue();
  },
});
