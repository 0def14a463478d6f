/** Reading the CLI's inputs: JSON from a flag or a file (`-` is stdin), and JSON lines. */
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { FireInput, JsonObject, formatIssues } from '@nexomatic/core';
import type { z } from 'zod';
import { UsageError, type CommandIO } from './io.js';

/** Everything on stdin, as text. */
export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** A file's text; `-` reads stdin. */
export async function readText(io: CommandIO, path: string): Promise<string> {
  if (path === '-') return readAll(io.stdin);
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as Error).message}`);
  }
}

/** Parses `text` as a JSON object (an event payload); the error names `what`. */
export function jsonObject(text: string, what: string): z.output<typeof JsonObject> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${what}: not JSON (${(error as Error).message})`);
  }
  const checked = JsonObject.safeParse(value);
  if (!checked.success) throw new UsageError(`${what}: must be a JSON object`);
  return checked.data;
}

/** One line of a bulk-fire file, checked. */
export interface FireLine {
  line: number;
  input: z.input<typeof FireInput>;
}

/**
 * The events of a JSON lines file: each line a fire input (`{"eventType": ..., "payload": ...}`),
 * or, with `eventType` given, each line a payload. Blank lines are skipped; a bad line is a usage
 * error naming its number and field.
 */
export async function readFireLines(io: CommandIO, path: string, eventType?: string): Promise<FireLine[]> {
  const stream = path === '-' ? io.stdin : (await import('node:fs')).createReadStream(path, 'utf8');
  const lines: FireLine[] = [];
  let n = 0;
  try {
    for await (const text of createInterface({ input: stream, crlfDelay: Infinity })) {
      n += 1;
      if (text.trim() === '') continue;
      const value = jsonObject(text, `${path}:${n}`);
      const candidate = eventType === undefined ? value : { eventType, payload: value };
      const checked = FireInput.safeParse(candidate);
      if (!checked.success) throw new UsageError(`${path}:${n}: ${formatIssues(checked.error.issues)}`);
      lines.push({ line: n, input: candidate as FireLine['input'] });
    }
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`cannot read ${path}: ${(error as Error).message}`);
  }
  return lines;
}
