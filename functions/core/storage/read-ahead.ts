/**
 * Keeps pulling a byte source up to `limit` bytes ahead of its consumer. A streamed GET only sends
 * while someone reads the socket: without read-ahead, the download stops whenever the consumer
 * computes, and the consumer waits whenever the download runs, so the two costs add up instead of
 * overlapping. Errors reach the consumer in order, after the bytes that came before them; a consumer
 * that stops early stops the source.
 */
export async function* readAhead(source: AsyncIterable<Buffer>, limit: number): AsyncGenerator<Buffer> {
  const iterator = source[Symbol.asyncIterator]();
  const queue: Buffer[] = [];
  let queued = 0;
  let ended = false;
  let stopped = false;
  let failure: { error: unknown } | undefined;
  let wakeConsumer: (() => void) | undefined;
  let wakeProducer: (() => void) | undefined;
  const signal = (wake: (() => void) | undefined) => wake?.();

  const pump = (async () => {
    try {
      while (!stopped) {
        if (queued >= limit) {
          await new Promise<void>((resolve) => (wakeProducer = resolve));
          continue;
        }
        const next = await iterator.next();
        if (next.done) break;
        queue.push(next.value);
        queued += next.value.length;
        signal(wakeConsumer);
      }
    } catch (error) {
      failure = { error };
    } finally {
      ended = true;
      signal(wakeConsumer);
    }
  })();

  try {
    while (true) {
      const piece = queue.shift();
      if (piece) {
        queued -= piece.length;
        signal(wakeProducer);
        yield piece;
        continue;
      }
      if (failure) throw failure.error;
      if (ended) return;
      await new Promise<void>((resolve) => (wakeConsumer = resolve));
    }
  } finally {
    stopped = true;
    signal(wakeProducer);
    await iterator.return?.();
    await pump;
  }
}
