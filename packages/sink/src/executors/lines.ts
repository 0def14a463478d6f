import { StringDecoder } from 'node:string_decoder';
import { END_MARK } from './ipc.js';

/** Longest line kept whole; longer output is cut into pieces of this size. */
export const MAX_LINE = 64 * 1024;

/**
 * Splits a child's output stream into lines, and recognises the runner's end-of-task marker
 * (`END_MARK<id>`), which may follow unterminated output on the same line.
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly onMark: (id: string) => void,
  ) {}

  /** Feeds a chunk of output. */
  write(chunk: Buffer | string): void {
    this.partial += typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    let newline = this.partial.indexOf('\n');
    while (newline !== -1) {
      this.take(this.partial.slice(0, newline));
      this.partial = this.partial.slice(newline + 1);
      newline = this.partial.indexOf('\n');
    }
    while (this.partial.length > MAX_LINE) {
      this.onLine(this.partial.slice(0, MAX_LINE));
      this.partial = this.partial.slice(MAX_LINE);
    }
  }

  /** Emits what is left without a newline (the stream ended). */
  end(): void {
    this.partial += this.decoder.end();
    if (this.partial) this.take(this.partial);
    this.partial = '';
  }

  private take(raw: string): void {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const mark = line.indexOf(END_MARK);
    if (mark === -1) {
      this.onLine(line);
      return;
    }
    if (mark > 0) this.onLine(line.slice(0, mark));
    this.onMark(line.slice(mark + END_MARK.length));
  }
}
