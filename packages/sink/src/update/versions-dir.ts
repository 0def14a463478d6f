import { randomUUID } from 'node:crypto';
import { mkdir, readdir, realpath, rename, rm, stat, symlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/** Name of the link that names the active version inside a versions directory. */
export const CURRENT_LINK = 'current';

/**
 * A versions directory: one npm prefix per installed sink version, and a `current` symlink naming
 * the active one (a directory junction on Windows).
 *
 * ```
 * <versionsDir>/
 *   0.1.1/                         npm install --prefix <versionsDir>/0.1.1 <spec>
 *     node_modules/@nexomatic/sink/dist/cli.js
 *   .staging-0.1.2-<random>/       an install in progress (removed when it fails)
 *   current -> <versionsDir>/0.1.1
 * ```
 */
export class VersionsDir {
  /** The absolute path of the directory. */
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  /** Where `version` lives once installed. */
  versionDir(version: string): string {
    return join(this.root, version);
  }

  /** The CLI entry point of the sink installed under `prefix`. */
  static cliOf(prefix: string): string {
    return join(prefix, 'node_modules', '@nexomatic', 'sink', 'dist', 'cli.js');
  }

  /** A fresh, empty staging directory for installing `version`. */
  async staging(version: string): Promise<string> {
    await mkdir(this.root, { recursive: true });
    const dir = join(this.root, `.staging-${version}-${randomUUID().slice(0, 8)}`);
    await mkdir(dir);
    return dir;
  }

  /** The directory `current` points to, or undefined when there is none (or it is dangling). */
  async current(): Promise<string | undefined> {
    try {
      return await realpath(join(this.root, CURRENT_LINK));
    } catch {
      return undefined;
    }
  }

  /** The CLI entry of the current version, or undefined when there is no usable current version. */
  async currentCli(): Promise<string | undefined> {
    const dir = await this.current();
    if (!dir) return undefined;
    const cli = VersionsDir.cliOf(dir);
    return (await stat(cli).catch(() => undefined))?.isFile() ? cli : undefined;
  }

  /**
   * Moves a verified staging install to its version directory and points `current` at it. The
   * switch is atomic: a new link is created beside `current` and renamed over it.
   */
  async promote(staging: string, version: string): Promise<string> {
    const target = this.versionDir(version);
    if ((await this.current()) === target) throw new Error(`version ${version} is already current`);
    await rm(target, { recursive: true, force: true });
    await rename(staging, target);
    const link = join(this.root, `.${CURRENT_LINK}-${randomUUID().slice(0, 8)}`);
    await symlink(target, link, 'junction');
    await rename(link, join(this.root, CURRENT_LINK));
    return target;
  }

  /** Removes every installed version and leftover staging directory except the ones in `keep`. */
  async prune(keep: readonly string[]): Promise<void> {
    const kept = new Set(keep.map((dir) => resolve(dir)));
    for (const entry of await readdir(this.root, { withFileTypes: true })) {
      const path = join(this.root, entry.name);
      if (!entry.isDirectory() || kept.has(path)) continue;
      await rm(path, { recursive: true, force: true });
    }
  }
}
