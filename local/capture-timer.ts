import type { RequestCapture } from '../functions/core/capture/request-capture.ts';

/**
 * Writes a due capture buffer while the local server is idle. On Lambda the buffer is only looked
 * at after a request, as a frozen environment runs nothing in between; the local process keeps
 * running, so a buffer that came of age is written without waiting for the next request. The timer
 * is unref'd: it must never keep a stopping process alive.
 */
export function flushCaptureWhenDue(capture: RequestCapture, everyMs = 1_000): NodeJS.Timeout {
  return setInterval(() => void capture.flushIfDue(), everyMs).unref();
}
