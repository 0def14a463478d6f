import { randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import { z } from 'zod';
import { NexomaticError, parse } from '@nexomatic/core';
import type { LogArchive } from './archive.js';

/** Options of {@link fsArchive}. */
export const FsArchiveOptions = z.strictObject({
  /** The folder archived log chunks are written under (created when missing). */
  dir: z.string().min(1),
});
/** Options of {@link fsArchive}. */
export type FsArchiveOptions = z.input<typeof FsArchiveOptions>;

/** The file of a blob name under `root`; a name that would leave `root` is refused. */
function fileOf(root: string, name: string): string {
  const file = resolve(root, ...name.split('/'));
  if (name.split('/').some((p) => p === '' || p === '.' || p === '..') || !file.startsWith(root + sep)) {
    throw new NexomaticError('VALIDATION', `invalid archive blob name: ${name}`);
  }
  return file;
}

/** Writes `body` to `file` durably: a temporary file, fsync, rename over the target, fsync of the folder. */
async function writeDurably(file: string, body: Uint8Array): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temp = `${file}.${randomUUID()}.tmp`;
  const handle = await open(temp, 'w');
  try {
    await handle.writeFile(body);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  const folder = await open(dirname(file), 'r');
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
}

/**
 * A {@link LogArchive} on the local filesystem: one gzip file per chunk under `dir`, in folders by
 * tenant, day and event. Writes are atomic (temporary file, fsync, rename); a process killed
 * mid-write may leave a `<name>.<uuid>.tmp` file beside the blob, never read and safe to delete.
 *
 * @example
 * ```ts
 * const hub = await createHub({ logs: { retentionDays: 30, archive: fsArchive({ dir: './.nexomatic/archive' }) } });
 * ```
 */
export function fsArchive(options: FsArchiveOptions): LogArchive {
  const root = resolve(parse(FsArchiveOptions, options, 'fsArchive options').dir);
  return {
    description: `fs:${root}`,
    put: (name, body) => writeDurably(fileOf(root, name), body),
    async get(name) {
      try {
        return await readFile(fileOf(root, name));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      }
    },
  };
}

/** The file {@link fsArchive} keeps a blob in, for tests and tooling. */
export function fsArchiveFile(dir: string, name: string): string {
  return fileOf(resolve(dir), name);
}

