import type { Writable } from 'node:stream';
import type { UploadStream } from '../../storage/object-store.ts';

/**
 * Writes to the sink and, when its buffer is full, waits until it drains: a slow upload slows the
 * writer down instead of letting output pile up in memory. Fails if the stream errors or closes
 * while waiting (a failed upload destroys its stream), so a writer never hangs on a dead sink.
 */
export async function writeTo(stream: Writable, chunk: string | Uint8Array): Promise<void> {
  if (stream.destroyed) throw stream.errored ?? new Error('the output stream is closed');
  if (stream.write(chunk)) return;
  await new Promise<void>((resolve, reject) => {
    const done = (err?: Error) => {
      stream.off('drain', onDrain);
      stream.off('error', onError);
      stream.off('close', onClose);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = () => done();
    const onError = (err: Error) => done(err);
    const onClose = () => done(stream.errored ?? new Error('the output stream closed before it drained'));
    stream.on('drain', onDrain);
    stream.on('error', onError);
    stream.on('close', onClose);
  });
}

/** Ends the sink and waits until the object is stored. */
export async function endSink(sink: UploadStream): Promise<void> {
  sink.stream.end();
  await sink.done;
}
