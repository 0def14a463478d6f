/**
 * Reading a secret's value: from stdin when it is piped, or from a prompt on the terminal that
 * echoes nothing. Never from the command line, where shell history and `ps` would keep it.
 */
import { readAll } from './input.js';
import { UsageError, type CommandIO } from './io.js';

/** Thrown when the person at the prompt pressed Ctrl-C. */
export class PromptAborted extends Error {
  constructor() {
    super('aborted at the prompt');
    this.name = 'PromptAborted';
  }
}

/** Reads one line from a terminal in raw mode, echoing nothing. */
function promptHidden(io: CommandIO, question: string): Promise<string> {
  const stdin = io.stdin;
  io.stderr(question);
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (error?: Error) => {
      stdin.removeListener('data', onData);
      stdin.setRawMode?.(false);
      stdin.pause();
      io.stderr('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: Buffer | string) => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\r' || char === '\n' || char === '\u0004') return finish();
        if (char === '\u0003') return finish(new PromptAborted());
        if (char === '\u007f' || char === '\b') value = value.slice(0, -1);
        else value += char;
      }
    };
    stdin.setRawMode?.(true);
    stdin.on('data', onData);
    stdin.resume();
  });
}

/**
 * The value of secret `key`: the whole of stdin when it is not a terminal (one trailing newline
 * dropped), else typed at a prompt that shows nothing. An empty value is a usage error.
 */
export async function readSecretValue(io: CommandIO, key: string): Promise<string> {
  let value: string;
  if (io.stdin.isTTY) {
    value = await promptHidden(io, `value of secret ${key} (not shown): `);
  } else {
    value = (await readAll(io.stdin)).replace(/\r?\n$/, '');
  }
  if (value === '') throw new UsageError(`the value of secret ${key} is empty: pipe it on stdin or type it at the prompt`);
  return value;
}
