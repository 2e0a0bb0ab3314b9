import type { UploadStream } from '../../storage/object-store.ts';

/**
 * What a sink's failure is to its writer: the upload's own error once it settles. A failed upload
 * destroys its stream first, often with only "The operation was aborted"; the reason (a refused
 * part, a lost connection) is the one a manifest should name.
 */
async function failureOf(sink: UploadStream, streamError: Error): Promise<Error> {
  return sink.done.then(
    () => streamError,
    (err: unknown) => (err instanceof Error ? err : streamError),
  );
}

/**
 * Writes to the sink and, when its buffer is full, waits until it drains: a slow upload slows the
 * writer down instead of letting output pile up in memory. Fails if the stream errors or closes
 * while waiting (a failed upload destroys its stream), so a writer never hangs on a dead sink.
 */
export async function writeTo(sink: UploadStream, chunk: string | Uint8Array): Promise<void> {
  const { stream } = sink;
  if (stream.destroyed) throw await failureOf(sink, stream.errored ?? new Error('the output stream is closed'));
  if (stream.write(chunk)) return;
  const waited = await new Promise<Error | undefined>((resolve) => {
    const done = (err?: Error) => {
      stream.off('drain', onDrain);
      stream.off('error', onError);
      stream.off('close', onClose);
      resolve(err);
    };
    const onDrain = () => done();
    const onError = (err: Error) => done(err);
    const onClose = () => done(stream.errored ?? new Error('the output stream closed before it drained'));
    stream.on('drain', onDrain);
    stream.on('error', onError);
    stream.on('close', onClose);
  });
  if (waited) throw await failureOf(sink, waited);
}

/** Ends the sink and waits until the object is stored. */
export async function endSink(sink: UploadStream): Promise<void> {
  sink.stream.end();
  await sink.done;
}
