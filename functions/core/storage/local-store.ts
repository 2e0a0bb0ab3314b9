import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { type FileHandle, link, open, readdir, readFile, realpath, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { type ByteRange, ObjectChanged, type ObjectInfo, type ObjectStore, type UploadStream } from './object-store.ts';
import { makeDirs } from './make-dirs.ts';
import { byKey } from './sort.ts';

/** Temporary files are hidden siblings of their target (same file system, so rename is atomic) and never listed. */
const TEMP = /^\..+\.[0-9a-f]{12}\.tmp$/;
const tempPath = (path: string) => join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
/** Read size of streams: large enough to keep syscalls off the profile, small enough to be no memory concern. */
const READ_CHUNK = 256 * 1024;

/**
 * A file as an object. Its inode and modification time tell a replaced file of the same size: a
 * write renames a new file into place (a new inode), and an edit in place moves the time, which
 * alone can repeat within one clock tick.
 */
const fileInfo = (key: string, info: { size: bigint; ino: bigint; mtimeNs: bigint }): ObjectInfo => ({ key, size: Number(info.size), etag: `${info.ino}-${info.mtimeNs}` });

const isNotFound = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR';

/**
 * ObjectStore over a folder, so that `npm run score` runs the AWS code path on local files.
 * Keys are paths relative to `rootDir` with `/` separators. Writes follow S3's visibility rules:
 * an object appears whole or not at all (temp file + rename), and writeIfAbsent has exactly one
 * winner among racing writers (hard link, which fails when the target exists).
 */
export class LocalStore implements ObjectStore {
  readonly #root: string;

  constructor(rootDir: string) {
    this.#root = resolve(rootDir);
  }

  /** The file path of a key; refuses keys that would escape the root (`..`). */
  path(key: string): string {
    const path = resolve(this.#root, ...key.split('/'));
    if (path !== this.#root && !path.startsWith(this.#root.endsWith(sep) ? this.#root : this.#root + sep)) {
      throw new Error(`key "${key}" is outside ${this.#root}`);
    }
    return path;
  }

  uri(key: string): string {
    return this.path(key);
  }

  #key(path: string): string {
    return relative(this.#root, path).split(sep).join('/');
  }

  /**
   * A file at `prefix` is listed alone; a folder is walked recursively, following symbolic links (a
   * linked folder seen twice, as in a loop, is walked once; a dangling link is nothing); anything
   * else is an empty listing.
   */
  async list(prefix: string): Promise<ObjectInfo[]> {
    const start = this.path(prefix);
    let info;
    try {
      info = await stat(start, { bigint: true });
    } catch (err) {
      if (isNotFound(err)) return [];
      throw err;
    }
    if (info.isFile()) return [fileInfo(this.#key(start), info)];
    const objects: ObjectInfo[] = [];
    const walked = new Set<string>();
    const walk = async (dir: string): Promise<void> => {
      const real = await realpath(dir);
      if (walked.has(real)) return;
      walked.add(real);
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        const target = entry.isSymbolicLink() ? await stat(path).catch(() => undefined) : entry;
        if (target?.isDirectory()) await walk(path);
        else if (target?.isFile() && !TEMP.test(entry.name)) objects.push(fileInfo(this.#key(path), await stat(path, { bigint: true })));
      }
    };
    if (info.isDirectory()) await walk(start);
    return objects.sort(byKey);
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const info = await stat(this.path(key), { bigint: true });
      return info.isFile() ? fileInfo(key, info) : undefined;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /**
   * Opens before returning, so a missing file fails here rather than as a stream error later. With
   * `etag`, the open file must be that version, and still be when the stream ends: an edit in place
   * during the read fails it.
   */
  async read(key: string, range?: ByteRange, etag?: string): Promise<Readable> {
    if (range && range.end <= range.start) return Readable.from([]);
    const handle = await this.#open(key, etag);
    const stream = handle.createReadStream({ start: range?.start, end: range && range.end - 1, highWaterMark: READ_CHUNK });
    if (etag === undefined) return stream;
    const unchanged = () => this.#unchanged(key, etag);
    return Readable.from(
      (async function* () {
        yield* stream;
        await unchanged();
      })(),
      { objectMode: false },
    );
  }

  async readBytes(key: string, range?: ByteRange, etag?: string): Promise<Uint8Array> {
    const handle = await this.#open(key, etag);
    try {
      const start = range?.start ?? 0;
      const end = range ? range.end : (await handle.stat()).size;
      const buffer = Buffer.alloc(Math.max(0, end - start));
      let filled = 0;
      while (filled < buffer.length) {
        const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, start + filled);
        if (bytesRead === 0) break; // end of file: a range past the end yields what exists
        filled += bytesRead;
      }
      if (etag !== undefined) await this.#unchanged(key, etag, handle);
      return buffer.subarray(0, filled);
    } finally {
      await handle.close();
    }
  }

  async readIfPresent(key: string): Promise<Uint8Array | undefined> {
    try {
      return await readFile(this.path(key));
    } catch (err) {
      // A folder is not an object, as head says.
      if (isNotFound(err) || (err as NodeJS.ErrnoException).code === 'EISDIR') return undefined;
      throw err;
    }
  }

  /** The file opened for reading; with `etag`, only if it is still that version. */
  async #open(key: string, etag: string | undefined): Promise<FileHandle> {
    const handle = await open(this.path(key), 'r').catch((err: unknown) => {
      throw etag !== undefined && isNotFound(err) ? new ObjectChanged(this.uri(key), true) : err;
    });
    if (etag === undefined) return handle;
    try {
      await this.#unchanged(key, etag, handle);
      return handle;
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  /** Fails unless the file (the open one, or the one at the key) is the version `etag` names. */
  async #unchanged(key: string, etag: string, handle?: FileHandle): Promise<void> {
    const info = await (handle ? handle.stat({ bigint: true }) : stat(this.path(key), { bigint: true })).catch((err: unknown) => {
      throw isNotFound(err) ? new ObjectChanged(this.uri(key), true) : err;
    });
    if (fileInfo(key, info).etag !== etag) throw new ObjectChanged(this.uri(key), false);
  }

  async write(key: string, body: Uint8Array | string): Promise<void> {
    const path = this.path(key);
    makeDirs(dirname(path));
    const temp = tempPath(path);
    try {
      await writeFile(temp, body);
      await rename(temp, path);
    } catch (err) {
      await unlink(temp).catch(() => undefined);
      throw err;
    }
  }

  /**
   * The body is written to a temp file first and then hard-linked to the key: link(2) fails with
   * EEXIST when the target exists, atomically, so of two racing writers exactly one wins and a reader
   * never sees a half-written object (as `open(..., 'wx')` followed by writes would allow).
   */
  async writeIfAbsent(key: string, body: Uint8Array | string): Promise<boolean> {
    const path = this.path(key);
    makeDirs(dirname(path));
    const temp = tempPath(path);
    try {
      await writeFile(temp, body);
      await link(temp, path);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    } finally {
      await unlink(temp).catch(() => undefined);
    }
  }

  /**
   * Writes to a temp file and renames it when the stream has finished and closed: the object appears
   * only when `done` resolves. A stream destroyed by its writer leaves nothing behind.
   */
  upload(key: string): UploadStream {
    const path = this.path(key);
    makeDirs(dirname(path)); // synchronous, as upload() is
    const temp = tempPath(path);
    const stream = createWriteStream(temp);
    const done = new Promise<void>((resolveDone, reject) => {
      let error: unknown;
      stream.on('error', (err) => (error = err));
      stream.on('close', () => {
        if (error === undefined && stream.writableFinished) {
          rename(temp, path).then(resolveDone, reject);
        } else {
          unlink(temp).catch(() => undefined);
          reject(error ?? new Error(`upload of ${path} was aborted before it finished`));
        }
      });
    });
    // Whoever awaits `done` still sees the failure; this only keeps an early one from being "unhandled".
    done.catch(() => undefined);
    return { stream, done };
  }
}
