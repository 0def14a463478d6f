import { join, resolve } from 'node:path';
import type { HubHello } from '@nexomatic/core';
import type { Sink } from '../sink.js';
import { DEFAULT_UPDATE_SOURCE, npmInstaller, type Installer } from './install.js';
import { SelfUpdater, type UpdateOutcome } from './updater.js';
import { cliVerifier, settingsEnv, type Verifier } from './verify.js';

/** The self-update settings of the CLI. */
export interface UpdateSettings {
  /** Follow the hub's desired version (`--auto-update`, `SINK_AUTO_UPDATE=1`). */
  autoUpdate: boolean;
  /** The versions directory (`--versions-dir`, `SINK_VERSIONS_DIR`). */
  versionsDir: string;
  /** The npm install spec template (`--update-source`, `SINK_UPDATE_SOURCE`). */
  updateSource: string;
}

/** The `parseArgs` options of the self-update flags. */
export const UPDATE_FLAGS = {
  'auto-update': { type: 'boolean' },
  'versions-dir': { type: 'string' },
  'update-source': { type: 'string' },
} as const;

/** The self-update lines of the CLI's usage text. */
export const UPDATE_USAGE = `Self-update (see docs/sinks.md#self-update):
  --auto-update            SINK_AUTO_UPDATE=1  install and switch to the version the hub asks for
  --versions-dir <dir>     SINK_VERSIONS_DIR   installed versions and the current link
                                               (default: $STATE_DIRECTORY/versions, else ./.nexomatic/sink/versions)
  --update-source <spec>   SINK_UPDATE_SOURCE  npm spec, {version} replaced (default: ${DEFAULT_UPDATE_SOURCE})
`;

/** The default versions directory: under systemd's `$STATE_DIRECTORY`, else `./.nexomatic/sink/versions`. */
export function defaultVersionsDir(env: NodeJS.ProcessEnv = process.env): string {
  const state = env.STATE_DIRECTORY?.split(':')[0];
  return state ? join(state, 'versions') : resolve('.nexomatic', 'sink', 'versions');
}

/** Reads the self-update settings from parsed flags over environment variables. */
export function readUpdateSettings(values: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): UpdateSettings {
  const flag = values['auto-update'];
  const autoUpdate = flag === true || (flag === undefined && /^(1|true|yes|on)$/i.test(env.SINK_AUTO_UPDATE ?? ''));
  const pick = (name: string, variable: string) => {
    const value = values[name] ?? env[variable];
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  return {
    autoUpdate,
    versionsDir: resolve(pick('versions-dir', 'SINK_VERSIONS_DIR') ?? defaultVersionsDir(env)),
    updateSource: pick('update-source', 'SINK_UPDATE_SOURCE') ?? DEFAULT_UPDATE_SOURCE,
  };
}

/** Replaceable parts of {@link enableAutoUpdate}, for tests and embedding apps. */
export interface AutoUpdateOverrides {
  installer?: Installer;
  verifier?: Verifier;
  retryAfterMs?: number;
}

/**
 * Makes `sink` follow its hub's desired version: on every `sink.hello` (first connect and each
 * reconnect) the {@link SelfUpdater} installs, verifies and switches to it; after a switch the sink
 * closes gracefully (running tasks finish, like `KILL`). The caller exits with
 * `RESTART_EXIT_CODE` once `sink.closed` resolves and `updater.switched` is set.
 */
export function enableAutoUpdate(sink: Sink, settings: UpdateSettings, overrides: AutoUpdateOverrides = {}): SelfUpdater {
  const { logger } = sink.options;
  const updater = new SelfUpdater({
    runningVersion: sink.options.version,
    versionsDir: settings.versionsDir,
    installer: overrides.installer ?? npmInstaller({ source: settings.updateSource }),
    verifier: overrides.verifier ?? cliVerifier({ env: { ...process.env, ...settingsEnv(sink.options) } }),
    logger,
    ...(overrides.retryAfterMs === undefined ? {} : { retryAfterMs: overrides.retryAfterMs }),
  });
  const onHello = (hello: HubHello): void => {
    if (sink.status === 'KILLING' || sink.status === 'FORCE_KILLING' || sink.status === 'CLOSED') return;
    void updater.consider(hello.desiredVersion).then((outcome: UpdateOutcome) => {
      if (outcome.kind === 'switched') void sink.close();
    });
  };
  sink.on('hello', onHello);
  if (sink.lastHello) onHello(sink.lastHello);
  return updater;
}
