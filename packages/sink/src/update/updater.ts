import { rm } from 'node:fs/promises';
import type { Logger } from '@nexomatic/core';
import type { Installer } from './install.js';
import type { Verifier } from './verify.js';
import { VersionsDir } from './versions-dir.js';

/**
 * Exit code of a sink that switched to a new version and wants to be started again (EX_TEMPFAIL).
 * `nexomatic-sink launch` starts the new `current` version when it sees it; a service manager
 * running `nexomatic-sink run` directly restarts on it with `Restart=always`.
 */
export const RESTART_EXIT_CODE = 75;

/** How long a version that failed to install or verify is left alone. */
export const DEFAULT_UPDATE_RETRY_MS = 60 * 60 * 1000;

/** Options of {@link SelfUpdater}. */
export interface SelfUpdaterOptions {
  /** The version this process runs. */
  runningVersion: string;
  /** The versions directory (see {@link VersionsDir}). */
  versionsDir: string;
  installer: Installer;
  verifier: Verifier;
  logger: Logger;
  /** How long a failed version is not tried again. @default {@link DEFAULT_UPDATE_RETRY_MS} */
  retryAfterMs?: number;
  /** The clock, for tests. */
  now?: () => number;
}

/** What {@link SelfUpdater.consider} did. */
export type UpdateOutcome =
  | { kind: 'up-to-date' }
  | { kind: 'skipped'; version: string; reason: string }
  | { kind: 'switched'; version: string; dir: string }
  | { kind: 'failed'; version: string; reason: string };

/**
 * Moves this sink to the version its hub asks for: installs it into a staging directory of the
 * versions directory, verifies it, then atomically points `current` at it. Any failure leaves
 * `current` as it was, is logged with its reason, and holds that version back for `retryAfterMs`
 * (a later hello, e.g. after a reconnect, does not retry it sooner). One update runs at a time.
 *
 * The caller acts on a `switched` outcome: drain the sink and exit with {@link RESTART_EXIT_CODE}.
 */
export class SelfUpdater {
  private readonly dir: VersionsDir;
  private readonly failures = new Map<string, { until: number; reason: string }>();
  private running: Promise<UpdateOutcome> | undefined;
  private switchedTo: string | undefined;

  constructor(private readonly options: SelfUpdaterOptions) {
    this.dir = new VersionsDir(options.versionsDir);
  }

  /** The version this process switched `current` to, if it did. */
  get switched(): string | undefined {
    return this.switchedTo;
  }

  /** The reason the last attempt at `version` failed, while it is held back. */
  failure(version: string): string | undefined {
    return this.failures.get(version)?.reason;
  }

  /** Acts on the hub's desired version (`sink.hello`'s `desiredVersion`). */
  consider(desired: string | null): Promise<UpdateOutcome> {
    const { runningVersion } = this.options;
    if (desired === null || desired === runningVersion) return Promise.resolve({ kind: 'up-to-date' });
    if (this.running) return Promise.resolve({ kind: 'skipped', version: desired, reason: 'an update is already running' });
    if (this.switchedTo) return Promise.resolve({ kind: 'skipped', version: desired, reason: `already switched to ${this.switchedTo}` });
    const failed = this.failures.get(desired);
    const now = this.now();
    if (failed && now < failed.until) {
      const reason = `held back until ${new Date(failed.until).toISOString()} after: ${failed.reason}`;
      this.options.logger.debug(`not updating to ${desired} yet`, { reason });
      return Promise.resolve({ kind: 'skipped', version: desired, reason });
    }
    this.running = this.update(desired).finally(() => (this.running = undefined));
    return this.running;
  }

  private async update(version: string): Promise<UpdateOutcome> {
    const { logger, runningVersion } = this.options;
    logger.info(`self-update: installing @nexomatic/sink ${version} (running ${runningVersion})`, { versionsDir: this.dir.root });
    let staging: string | undefined;
    try {
      staging = await this.dir.staging(version);
      await this.options.installer(version, staging);
      await this.options.verifier(version, staging);
      const previous = await this.dir.current();
      const dir = await this.dir.promote(staging, version);
      staging = undefined;
      this.switchedTo = version;
      await this.dir.prune([dir, ...(previous ? [previous] : [])]).catch((error: Error) =>
        logger.warn('self-update: could not remove old versions', { error: error.message }),
      );
      logger.info(`self-update: switched to ${version}; restarting once running tasks finish`, { current: dir });
      return { kind: 'switched', version, dir };
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      const until = this.now() + (this.options.retryAfterMs ?? DEFAULT_UPDATE_RETRY_MS);
      this.failures.set(version, { until, reason });
      logger.error(`self-update to ${version} failed; staying on ${runningVersion}`, {
        reason,
        retryAfter: new Date(until).toISOString(),
      });
      return { kind: 'failed', version, reason };
    } finally {
      if (staging) await rm(staging, { recursive: true, force: true }).catch(() => undefined);
    }
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}
