import { mkdir, mkdtemp, open, readdir, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalStore } from '../../../../functions/core/storage/local-store.ts';

const tempRoot = () => mkdtemp(join(tmpdir(), 'local-store-'));

describe('LocalStore', () => {
  it('maps keys to paths under its root and names objects by path', async () => {
    const root = await tempRoot();
    const store = new LocalStore(root);
    await store.write('a/b.csv', 'x');
    expect(store.uri('a/b.csv')).toBe(join(root, 'a', 'b.csv'));
    expect(await readdir(join(root, 'a'))).toEqual(['b.csv']);
  });

  it('refuses keys that escape the root', async () => {
    const store = new LocalStore(await tempRoot());
    await expect(store.write('../escape.txt', 'x')).rejects.toThrow(/outside/);
  });

  it('leaves no temp files behind and never lists them', async () => {
    const root = await tempRoot();
    const store = new LocalStore(root);
    await store.write('k', 'v');
    await store.writeIfAbsent('k', 'w');
    await store.writeIfAbsent('j', 'w');
    const upload = store.upload('u');
    upload.stream.end('body');
    await upload.done;
    expect((await readdir(root)).sort()).toEqual(['j', 'k', 'u']);
    await writeFile(join(root, '.k.0123456789ab.tmp'), 'in flight');
    expect((await store.list('')).map((o) => o.key)).toEqual(['j', 'k', 'u']);
  });

  it('fails a read of a version when the file is edited in place while it streams, as it does not when left alone', async () => {
    const store = new LocalStore(await tempRoot());
    await store.write('f.csv', 'x'.repeat(2 << 20));
    const etag = (await store.head('f.csv'))!.etag!;
    let bytes = 0;
    for await (const piece of await store.read('f.csv', undefined, etag)) bytes += (piece as Buffer).length;
    expect(bytes).toBe(2 << 20);
    const pieces = (await store.read('f.csv', undefined, etag))[Symbol.asyncIterator]();
    await pieces.next();
    // An edit in place keeps the inode; its time moves (set here, as one clock tick may hold both).
    const file = await open(store.path('f.csv'), 'r+');
    await file.write('y', 0);
    await file.close();
    await utimes(store.path('f.csv'), new Date(), new Date(Date.now() + 5000));
    const drain = async () => {
      while (!(await pieces.next()).done);
    };
    await expect(drain()).rejects.toMatchObject({ name: 'ObjectChanged', removed: false });
  });

  it.runIf(process.platform === 'linux')('fails a write where no folder can be made (under /proc) instead of hanging', async () => {
    const store = new LocalStore('/');
    await expect(store.write('proc/no-such-output/part.csv', 'x')).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(store.writeIfAbsent('proc/no-such-output/a/b.json', 'x')).rejects.toMatchObject({ code: 'ENOENT' });
    expect(() => store.upload('proc/no-such-output/part.csv')).toThrow(/ENOENT/);
  });

  it('a store rooted at / addresses absolute paths without their leading slash', async () => {
    const root = await tempRoot();
    await writeFile(join(root, 'in.csv'), 'a\n1\n');
    const store = new LocalStore('/');
    const key = join(root, 'in.csv').slice(1);
    expect(await store.list(key)).toMatchObject([{ key, size: 4 }]);
    expect(Buffer.from(await store.readBytes(key)).toString()).toBe('a\n1\n');
  });

  it('lists what symbolic links point to, files and folders, once even in a loop, and skips a dangling link', async () => {
    const root = await tempRoot();
    const elsewhere = await tempRoot();
    await writeFile(join(elsewhere, 'linked.csv'), 'a\n1\n');
    await mkdir(join(root, 'in'));
    await writeFile(join(root, 'in/real.csv'), 'a\n');
    await symlink(join(elsewhere, 'linked.csv'), join(root, 'in/link.csv'));
    await symlink(elsewhere, join(root, 'in/linked-dir'));
    await symlink(join(root, 'in'), join(root, 'in/loop'));
    await symlink(join(root, 'nowhere.csv'), join(root, 'in/dangling.csv'));
    const store = new LocalStore(root);
    expect(await store.list('in')).toMatchObject([
      { key: 'in/link.csv', size: 4 },
      { key: 'in/linked-dir/linked.csv', size: 4 },
      { key: 'in/real.csv', size: 2 },
    ]);
  });
});

