import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '@nexomatic/core';
import { cliVerifier } from '../src/update/verify.js';
import { launch } from '../src/update/launcher.js';
import { RESTART_EXIT_CODE, SelfUpdater, type SelfUpdaterOptions } from '../src/update/updater.js';
import { VersionsDir } from '../src/update/versions-dir.js';
import { readUpdateSettings } from '../src/update/auto-update.js';
import { updateSpec } from '../src/update/install.js';

/** A logger that keeps its lines. */
function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const log = (level: string) => (message: string, fields?: object) => lines.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`);
  return { lines, debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

/** Writes a stand-in sink CLI under `prefix` whose source is `script`. */
function fakeCli(prefix: string, script: string): string {
  const cli = VersionsDir.cliOf(prefix);
  mkdirSync(dirname(cli), { recursive: true });
  writeFileSync(cli, script);
  return cli;
}

describe('SelfUpdater with a fake installer', () => {
  let root: string;
  let versions: string;
  let logger: ReturnType<typeof memoryLogger>;
  let installs: string[];
  let clock: number;
  const updater = (overrides: Partial<SelfUpdaterOptions> = {}) =>
    new SelfUpdater({
      runningVersion: '0.1.0',
      versionsDir: versions,
      installer: async (version, prefix) => {
        installs.push(version);
        fakeCli(prefix, `// sink ${version}\n`);
      },
      verifier: async () => undefined,
      logger,
      retryAfterMs: 60_000,
      now: () => clock,
      ...overrides,
    });

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'nexomatic-update-'));
    versions = join(root, 'versions');
    logger = memoryLogger();
    installs = [];
    clock = 1_000_000;
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('does nothing without a desired version or when it already runs it', async () => {
    const u = updater();
    expect(await u.consider(null)).toEqual({ kind: 'up-to-date' });
    expect(await u.consider('0.1.0')).toEqual({ kind: 'up-to-date' });
    expect(installs).toEqual([]);
  });

  it('installs into staging, verifies, then points current at the new version and prunes the rest', async () => {
    const dir = new VersionsDir(versions);
    mkdirSync(join(versions, '0.0.9'), { recursive: true });
    const verified: string[] = [];
    const u = updater({ verifier: async (version, prefix) => void verified.push(`${version}@${prefix}`) });
    const outcome = await u.consider('0.1.1');
    expect(outcome).toEqual({ kind: 'switched', version: '0.1.1', dir: join(versions, '0.1.1') });
    expect(verified[0]).toMatch(new RegExp(`^0\\.1\\.1@${versions}/\\.staging-0\\.1\\.1-`));
    expect(await dir.current()).toBe(join(versions, '0.1.1'));
    expect(await dir.currentCli()).toBe(VersionsDir.cliOf(join(versions, '0.1.1')));
    expect(readdirSync(versions).sort()).toEqual(['0.1.1', 'current']);
    expect(u.switched).toBe('0.1.1');
    // Switched once: later hellos change nothing until the restart.
    expect(await u.consider('0.1.2')).toMatchObject({ kind: 'skipped' });
  });

  it('keeps current on a failed verification, logs why, and holds the version back', async () => {
    const dir = new VersionsDir(versions);
    const old = join(versions, '0.1.0');
    mkdirSync(old, { recursive: true });
    symlinkSync(old, join(versions, 'current'));
    const u = updater({
      verifier: async () => {
        throw new Error('check: hub unreachable');
      },
    });
    expect(await u.consider('0.1.1')).toEqual({ kind: 'failed', version: '0.1.1', reason: 'check: hub unreachable' });
    expect(await dir.current()).toBe(old);
    expect(readdirSync(versions).sort()).toEqual(['0.1.0', 'current']);
    expect(logger.lines.some((l) => l.startsWith('error self-update to 0.1.1 failed; staying on 0.1.0') && l.includes('hub unreachable'))).toBe(true);

    // A reconnect's hello within the hold-back window does not try again.
    clock += 59_000;
    expect(await u.consider('0.1.1')).toMatchObject({ kind: 'skipped', reason: expect.stringContaining('hub unreachable') });
    expect(installs).toEqual(['0.1.1']);
    // A different version is tried at once; the failed one again after the window.
    expect(await u.consider('0.1.2')).toMatchObject({ kind: 'failed' });
    clock += 2_000;
    expect(await u.consider('0.1.1')).toMatchObject({ kind: 'failed' });
    expect(installs).toEqual(['0.1.1', '0.1.2', '0.1.1']);
  });

  it('keeps current and removes the staging directory when the install fails', async () => {
    const u = updater({
      installer: async (version, prefix) => {
        installs.push(version);
        writeFileSync(join(prefix, 'partial'), '');
        throw new Error('npm install file:/nowhere.tgz failed (exit 1): ENOENT');
      },
    });
    expect(await u.consider('0.1.1')).toMatchObject({ kind: 'failed', reason: expect.stringContaining('ENOENT') });
    expect(readdirSync(versions)).toEqual([]);
    expect(await new VersionsDir(versions).current()).toBeUndefined();
  });

  it('runs one update at a time', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const u = updater({
      installer: async (version, prefix) => {
        installs.push(version);
        await gate;
        fakeCli(prefix, '');
      },
    });
    const first = u.consider('0.1.1');
    expect(await u.consider('0.1.1')).toMatchObject({ kind: 'skipped', reason: 'an update is already running' });
    release();
    expect(await first).toMatchObject({ kind: 'switched' });
    expect(installs).toEqual(['0.1.1']);
  });
});

describe('cliVerifier', () => {
  let prefix: string;
  beforeEach(() => (prefix = mkdtempSync(join(tmpdir(), 'nexomatic-verify-'))));
  afterEach(() => rmSync(prefix, { recursive: true, force: true }));
  const cli = (version: string, check: string) =>
    fakeCli(
      prefix,
      `const [cmd] = process.argv.slice(2);
       if (cmd === '--version') { console.log(${JSON.stringify(version)}); process.exit(0); }
       ${check}`,
    );
  const verify = cliVerifier({ env: { ...process.env, HUB_URL: 'http://127.0.0.1:1' }, timeoutMs: 10_000 });

  it('accepts a version that prints its version and passes check', async () => {
    cli('0.1.1', `if (cmd === 'check' && process.env.HUB_URL === 'http://127.0.0.1:1') process.exit(0); process.exit(9);`);
    await expect(verify('0.1.1', prefix)).resolves.toBeUndefined();
  });
  it('accepts --version alone when the CLI has no check command', async () => {
    cli('0.1.1', `console.error('nexomatic-sink: unknown command "check"'); process.exit(2);`);
    await expect(verify('0.1.1', prefix)).resolves.toBeUndefined();
  });
  it('refuses a wrong version and a failing check, with the reason', async () => {
    cli('0.1.0', 'process.exit(0);');
    await expect(verify('0.1.1', prefix)).rejects.toThrow('says it is version "0.1.0", not 0.1.1');
    cli('0.1.1', `console.error('cannot reach the hub at http://127.0.0.1:1'); process.exit(1);`);
    await expect(verify('0.1.1', prefix)).rejects.toThrow(/check failed \(exit 1\): cannot reach the hub/);
  });
  it('refuses a missing install', async () => {
    await expect(verify('0.1.1', join(prefix, 'nothing'))).rejects.toThrow(/--version failed/);
  });
});

describe('launch', () => {
  let versions: string;
  beforeEach(() => (versions = mkdtempSync(join(tmpdir(), 'nexomatic-launch-'))));
  afterEach(() => rmSync(versions, { recursive: true, force: true }));

  it('runs current, and after a restart exit starts the version current then names', async () => {
    const out = join(versions, 'out.txt');
    const v2 = join(versions, '0.2.0');
    fakeCli(v2, `require('fs').appendFileSync(${JSON.stringify(out)}, '0.2.0 ' + process.argv.slice(2).join(' ') + '\\n'); process.exit(7);`);
    const v1 = join(versions, '0.1.0');
    fakeCli(
      v1,
      `const fs = require('fs');
       fs.appendFileSync(${JSON.stringify(out)}, '0.1.0 ' + process.argv.slice(2).join(' ') + '\\n');
       fs.symlinkSync(${JSON.stringify(v2)}, ${JSON.stringify(join(versions, 'next'))});
       fs.renameSync(${JSON.stringify(join(versions, 'next'))}, ${JSON.stringify(join(versions, 'current'))});
       process.exit(${RESTART_EXIT_CODE});`,
    );
    symlinkSync(v1, join(versions, 'current'));
    const lines: string[] = [];
    const code = await launch({ versionsDir: versions, args: ['--name', 'x'], fallback: { command: 'false', args: [] }, write: (l) => lines.push(l) });
    expect(code).toBe(7);
    expect(readFileSync(out, 'utf8')).toBe('0.1.0 run --name x\n0.2.0 run --name x\n');
    expect(lines).toContain(`the sink exited ${RESTART_EXIT_CODE} (switched version); starting the current version`);
  });

  it('starts the bundled sink while there is no current version', async () => {
    const script = join(versions, 'bundled.cjs');
    writeFileSync(script, 'process.exit(process.argv[2] === "run" && process.argv[3] === "--x" ? 0 : 5);');
    const lines: string[] = [];
    const code = await launch({ versionsDir: versions, args: ['--x'], fallback: { command: process.execPath, args: [script] }, write: (l) => lines.push(l) });
    expect(code).toBe(0);
    expect(lines[0]).toMatch(/no current version/);
  });
});

describe('settings', () => {
  it('reads flags over the environment, with documented defaults', () => {
    expect(readUpdateSettings({}, { STATE_DIRECTORY: '/var/lib/nexomatic-sink' })).toEqual({
      autoUpdate: false,
      versionsDir: '/var/lib/nexomatic-sink/versions',
      updateSource: '@nexomatic/sink@{version}',
    });
    expect(
      readUpdateSettings({ 'versions-dir': '/v' }, { SINK_AUTO_UPDATE: '1', SINK_UPDATE_SOURCE: 'file:/t/sink-{version}.tgz', SINK_VERSIONS_DIR: '/w' }),
    ).toEqual({ autoUpdate: true, versionsDir: '/v', updateSource: 'file:/t/sink-{version}.tgz' });
    expect(updateSpec('file:/t/nexomatic-sink-{version}.tgz', '1.2.3')).toBe('file:/t/nexomatic-sink-1.2.3.tgz');
  });
});
