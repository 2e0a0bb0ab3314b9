import { existsSync, statSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeDirs } from '../../../../functions/core/storage/make-dirs.ts';

describe('makeDirs', () => {
  it('makes every missing folder of a path, and leaves an existing one as it is', async () => {
    const root = await mkdtemp(join(tmpdir(), 'make-dirs-'));
    const deep = join(root, 'a', 'b', 'c');
    makeDirs(deep);
    expect(statSync(deep).isDirectory()).toBe(true);
    makeDirs(deep);
    makeDirs(root);
    expect(statSync(deep).isDirectory()).toBe(true);
  });

  it('fails where a file stands in the way', async () => {
    const root = await mkdtemp(join(tmpdir(), 'make-dirs-'));
    await writeFile(join(root, 'file'), 'x');
    expect(() => makeDirs(join(root, 'file'))).toThrow(/EEXIST/);
    expect(() => makeDirs(join(root, 'file', 'below'))).toThrow(/ENOTDIR/);
  });

  it.runIf(process.platform === 'linux')('fails under /proc, where Node\'s recursive mkdir never returns', () => {
    expect(() => makeDirs('/proc/no-such-folder/below')).toThrow(/ENOENT/);
    expect(existsSync('/proc/no-such-folder')).toBe(false);
  });
});
