import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { child, childrenNamed, parseXml } from './support/mini-xml.js';
import { CLI, runCli } from './support/run-cli.js';

const SETTINGS = { HUB_URL: 'https://hub.example.com:50051', CLIENT_ID: 'LOCAL:BASE', CLIENT_SECRET: 'top-secret#1 x' };

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'nexomatic-install-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The directives of a unit file: `[Section] Key` → values, in order. */
function directives(unit: string): Map<string, string[]> {
  const found = new Map<string, string[]>();
  let section = '';
  for (const line of unit.split('\n')) {
    if (/^\s*(#|$)/.test(line)) continue;
    const header = /^\[(\w+)\]$/.exec(line);
    if (header) {
      section = header[1]!;
      continue;
    }
    const at = line.indexOf('=');
    const key = `[${section}] ${line.slice(0, at)}`;
    found.set(key, [...(found.get(key) ?? []), line.slice(at + 1)]);
  }
  return found;
}

const HAS_SYSTEMD_ANALYZE = spawnSync('systemd-analyze', ['--version']).status === 0;

/**
 * Runs `systemd-analyze verify` on `file`: returns the lines about the unit itself (its directives,
 * its ExecStart) and prints the rest, which are about the machine (e.g. no running systemd).
 */
function verify(file: string): string[] {
  const result = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
  const lines = `${result.stdout}${result.stderr}`.split('\n').filter(Boolean);
  const name = file.split('/').at(-1)!;
  const own = lines.filter((line) => line.includes(file) || line.startsWith(`${name}:`));
  const ignored = lines.filter((line) => !own.includes(line));
  if (ignored.length > 0) console.log(`systemd-analyze verify: ignored (not about the unit):\n  ${ignored.join('\n  ')}`);
  return own;
}

describe('nexomatic-sink install systemd', () => {
  it('writes a hardened unit that runs this node and CLI, credentials in an EnvironmentFile', async () => {
    const output = join(dir, 'nexomatic-sink.service');
    const envFile = join(dir, 'etc', 'sink.env');
    const run = await runCli(['install', 'systemd', '--output', output, '--environment-file', envFile, '--user', 'sinker'], SETTINGS);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`wrote ${output}`);
    expect(existsSync(envFile)).toBe(false); // only with --write-env

    const unit = readFileSync(output, 'utf8');
    expect(unit).not.toContain('top-secret');
    const d = directives(unit);
    expect(d.get('[Service] ExecStart')).toEqual([`${process.execPath} --import tsx --conditions=source ${CLI} run`]);
    expect(d.get('[Service] EnvironmentFile')).toEqual([envFile]);
    expect(d.get('[Service] User')).toEqual(['sinker']);
    for (const [key, value] of [
      ['Restart', 'always'],
      ['RestartSec', '5'],
      ['KillSignal', 'SIGTERM'],
      ['KillMode', 'mixed'],
      ['TimeoutStopSec', '300'],
      ['NoNewPrivileges', 'yes'],
      ['ProtectSystem', 'strict'],
      ['PrivateTmp', 'yes'],
      ['StateDirectory', 'nexomatic-sink'],
      ['RestartPreventExitStatus', '2 3'],
    ]) {
      expect(d.get(`[Service] ${key}`), key).toEqual([value]);
    }
    expect(d.get('[Service] ReadWritePaths')?.[0]).toContain('%S/nexomatic-sink');
    expect(d.get('[Install] WantedBy')).toEqual(['multi-user.target']);
  });

  it('writes the env file with mode 0600 on --write-env, module roots writable, stop timeout and self-update', async () => {
    const output = join(dir, 'sink-python.service');
    const envFile = join(dir, 'sink.env');
    const modules = join(dir, 'modules');
    const args = ['install', 'systemd', '--output', output, '--environment-file', envFile, '--write-env'];
    const run = await runCli(
      [...args, '--modules', modules, '--concurrency', '8', '--python', '/usr/bin/python3', '--stop-timeout', '900', '--auto-update'],
      SETTINGS,
    );
    expect(run.code).toBe(0);
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
    const env = readFileSync(envFile, 'utf8');
    expect(env).toContain("CLIENT_SECRET='top-secret#1 x'\n");
    expect(env).toContain('HUB_URL=https://hub.example.com:50051\n');
    expect(env).toContain(`SINK_MODULES=${modules}\n`);
    expect(env).toContain('SINK_CONCURRENCY=8\n');
    // The module runtimes are settings like any other: the service runs with the same interpreter.
    expect(env).toContain('SINK_PYTHON=/usr/bin/python3\n');

    const d = directives(readFileSync(output, 'utf8'));
    expect(d.get('[Service] ExecStart')![0]).toMatch(/ launch --auto-update$/);
    expect(d.get('[Service] StateDirectory')).toEqual(['sink-python']);
    expect(d.get('[Service] TimeoutStopSec')).toEqual(['900']);
    expect(d.get('[Service] ReadWritePaths')).toEqual([`-%S/sink-python -${modules}`]);
  });

  it('refuses to write an env file with missing or invalid settings, naming each (exit 2)', async () => {
    const output = join(dir, 'nexomatic-sink.service');
    const run = await runCli(['install', 'systemd', '--output', output, '--write-env', '--concurrency', '0'], { CLIENT_ID: 'LOCAL:BASE' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('missing HUB_URL');
    expect(run.stderr).toContain('missing CLIENT_SECRET');
    expect(run.stderr).toContain('SINK_CONCURRENCY (--concurrency)');
    expect(existsSync(output)).toBe(false);
  });

  it.skipIf(!HAS_SYSTEMD_ANALYZE)('writes a unit that systemd-analyze verify accepts', async () => {
    const output = join(dir, 'nexomatic-sink.service');
    const envFile = join(dir, 'sink.env');
    const run = await runCli(
      ['install', 'systemd', '--output', output, '--environment-file', envFile, '--write-env', '--modules', join(dir, 'modules')],
      SETTINGS,
    );
    expect(run.code).toBe(0);
    expect(verify(output)).toEqual([]);

    // The check has teeth: a bad directive in the same unit is reported.
    const broken = join(dir, 'broken.service');
    writeFileSync(broken, readFileSync(output, 'utf8').replace('Restart=always', 'Restart=sometimes'));
    expect(verify(broken).join('\n')).toContain('sometimes');
  });
});

describe('nexomatic-sink install windows-service', () => {
  it('writes a well-formed WinSW definition that runs node with the env file and restarts on failure', async () => {
    const run = await runCli(['install', 'windows-service', '--output', dir, '--stop-timeout', '600'], SETTINGS);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const xml = readFileSync(join(dir, 'nexomatic-sink.xml'), 'utf8');
    expect(xml).not.toContain('top-secret');
    expect(existsSync(join(dir, 'sink.env'))).toBe(false);

    const service = parseXml(xml);
    expect(service.name).toBe('service');
    expect(child(service, 'id').text).toBe('nexomatic-sink');
    expect(child(service, 'name').text).toContain('Nexomatic Sink');
    expect(child(service, 'description').text).not.toBe('');
    expect(child(service, 'executable').text).toBe(process.execPath);
    expect(child(service, 'arguments').text).toBe(`"--env-file=%BASE%\\sink.env" --import tsx --conditions=source ${CLI} run`);
    const failures = childrenNamed(service, 'onfailure');
    expect(failures.length).toBeGreaterThan(0);
    expect(failures.every((f) => f.attributes.action === 'restart')).toBe(true);
    expect(child(service, 'log').attributes.mode).toMatch(/^roll/);
    expect(child(service, 'stoptimeout').text).toBe('600 sec');
    expect(child(service, 'stopparentprocessfirst').text).toBe('true');
    for (const env of childrenNamed(service, 'env')) expect(['CLIENT_SECRET', 'TENANT_SECRET']).not.toContain(env.attributes.name);
  });

  it('escapes paths for XML and writes the env file on --write-env', async () => {
    const node = join(dir, 'node & <co>', 'node.exe');
    const run = await runCli(['install', 'windows-service', '--output', dir, '--id', 'sink-ps', '--node', node, '--write-env'], SETTINGS);
    expect(run.code).toBe(0);
    const service = parseXml(readFileSync(join(dir, 'sink-ps.xml'), 'utf8'));
    expect(child(service, 'id').text).toBe('sink-ps');
    expect(child(service, 'executable').text).toBe(node);
    expect(readFileSync(join(dir, 'sink.env'), 'utf8')).toContain("CLIENT_SECRET='top-secret#1 x'");
    expect(statSync(join(dir, 'sink.env')).mode & 0o777).toBe(0o600);
  });

  it('the test parser rejects XML that is not well-formed', () => {
    expect(() => parseXml('<service><id>x</service>')).toThrow(/does not close/);
    expect(() => parseXml('<service a=b/>')).toThrow(/not quoted/);
    expect(() => parseXml('<service>&nbsp;</service>')).toThrow(/entity/);
    expect(() => parseXml('<a/><b/>')).toThrow(/second root/);
  });
});
