/**
 * The credentials file a service reads (`EnvironmentFile=` for systemd, `node --env-file` for the
 * Windows service): one `NAME=value` line per setting, written with mode 0600.
 */
import { chmod, mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { SETTINGS, type SettingsRead } from './args.js';

const PLAIN = /^[A-Za-z0-9_.:/@,+=%-]*$/;

/**
 * One `NAME=value` line, readable by both systemd's `EnvironmentFile=` and node's `--env-file`:
 * plain values bare, others in single quotes (literal in both). Throws on a value neither can hold.
 */
export function envLine(name: string, value: string): string {
  if (PLAIN.test(value)) return `${name}=${value}`;
  if (/[\n\r']/.test(value) || value.endsWith('\\')) {
    throw new Error(`${name} cannot be written to an env file (it holds a newline, a quote or a trailing backslash)`);
  }
  return `${name}='${value}'`;
}

/** The env file's text for the settings read (only those given), with a header saying what it is. */
export function envFileText(settings: SettingsRead): string {
  const lines = [
    '# Settings of the Nexomatic sink, written by `nexomatic-sink install`.',
    '# Holds CLIENT_SECRET: keep it readable by the service manager (root / Administrators) only',
    '# and never commit it.',
  ];
  for (const { option, env } of SETTINGS) {
    const value = settings.input[option];
    if (value === undefined) continue;
    lines.push(envLine(env, Array.isArray(value) ? value.join(',') : String(value)));
  }
  return `${lines.join('\n')}\n`;
}

/** Writes `text` to `path` with mode 0600 (also when the file existed), creating its directory (0700). */
export async function writeEnvFile(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  // Create with 0600 so the secret is never readable by others, not even between open and chmod.
  const file = await open(path, 'w', 0o600);
  try {
    await file.chmod(0o600);
    await file.writeFile(text);
  } finally {
    await file.close();
  }
  await chmod(path, 0o600);
}
