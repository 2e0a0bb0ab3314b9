import type { Location, UploadStream } from '../storage/object-store.ts';
import { joinKey } from '../storage/location.ts';
import type { Chunk, ChunkResult } from './contracts.ts';
import { readLines } from './formats/lines.ts';
import { endSink, writeTo } from './formats/sink.ts';
import { mapLimited } from '../map-limited.ts';

/** Rejects parts rewritten at once. */
const CONCURRENCY = 4;
/** Rejected rows written to the rewritten part at a time. */
const BLOCK = 1000;

/**
 * The number of the first line of each committed chunk that starts past byte 0 of its object, which
 * its worker could not know: 1 plus the lines every chunk before it in the object owned. None for a
 * chunk after one that did not commit, whose line count is unknown.
 */
export function firstLines(chunks: readonly Chunk[], committed: ReadonlyMap<number, ChunkResult>): Map<number, number> {
  const byObject = new Map<string, Chunk[]>();
  for (const chunk of chunks) {
    if (!chunk.range) continue;
    const ranges = byObject.get(chunk.key);
    if (ranges) ranges.push(chunk);
    else byObject.set(chunk.key, [chunk]);
  }
  const first = new Map<number, number>();
  for (const ranges of byObject.values()) {
    let next: number | undefined = 1;
    for (const chunk of ranges.sort((a, b) => a.range!.start - b.range!.start)) {
      const result = committed.get(chunk.index);
      if (result && next !== undefined && chunk.range!.start > 0) first.set(chunk.index, next);
      next = next !== undefined && result?.lines !== undefined ? next + result.lines : undefined;
    }
  }
  return first;
}

/**
 * Turns the chunk line numbers of a rejects part into the object's line numbers (`line`), streaming
 * it back to its key. A part already numbered (finalize running again) is left as it is.
 */
async function numberPart(output: Location, part: string, firstLine: number): Promise<void> {
  const key = joinKey(output.key, part);
  const lines = readLines(output.store, { key, gzip: false }, BLOCK);
  let sink: UploadStream | undefined;
  try {
    for await (const batch of lines) {
      const rows = batch.map((l) => JSON.parse(l.text) as { key: string; chunkLine?: number } & Record<string, unknown>);
      if (!sink) {
        if (rows[0]?.chunkLine === undefined) return;
        sink = output.store.upload(key);
      }
      // `line` goes right after `key`, where workers put it when they know it.
      const text = rows.map(({ key: object, chunkLine, ...row }) => JSON.stringify(chunkLine === undefined ? { key: object, ...row } : { key: object, line: firstLine + chunkLine - 1, ...row })).join('\n');
      await writeTo(sink, `${text}\n`);
    }
    if (sink) await endSink(sink);
  } catch (err) {
    // The part as it was stays in place: an upload is stored only once it ends.
    sink?.stream.destroy(err as Error);
    await sink?.done.catch(() => undefined);
    throw err;
  }
}

/**
 * Bytes of rejects parts rewritten by one finalize at most: a run that rejects most of a large input
 * leaves parts that would outlast the finalize function's timeout to rewrite. Beyond it, and for a
 * part that cannot be rewritten, the manifest gives each part's first line instead.
 */
export const NUMBERING_BUDGET = 256 * 1024 * 1024;

/**
 * Gives the rejects of every committed chunk that started mid-object their line numbers, now that
 * the lines of the chunks before it are known: workers read their byte ranges at once, and none can
 * know how many lines come before its own without reading them. Returns the parts left as they
 * were, each with the number of its chunk's first line (a reject's line is that plus its
 * `chunkLine`, minus 1). Never fails the run: the numbering is a convenience, the account is not.
 */
export async function numberRejects(
  output: Location,
  chunks: readonly Chunk[],
  committed: ReadonlyMap<number, ChunkResult>,
  sizes: ReadonlyMap<string, number>,
  budget = NUMBERING_BUDGET,
): Promise<Record<string, number>> {
  const due = [...firstLines(chunks, committed)].flatMap(([index, firstLine]) => {
    const { rejects, rowsRejected } = committed.get(index)!;
    const size = rejects && rowsRejected > 0 ? sizes.get(joinKey(output.key, rejects)) : undefined;
    return size === undefined ? [] : [{ part: rejects!, firstLine, size }];
  });
  let spent = 0;
  const left: Record<string, number> = {};
  await mapLimited(due, CONCURRENCY, async ({ part, firstLine, size }) => {
    spent += size;
    if (spent > budget || !(await numberPart(output, part, firstLine).then(() => true, () => false))) left[part] = firstLine;
  });
  return Object.fromEntries(Object.entries(left).sort(([a], [b]) => a.localeCompare(b)));
}
