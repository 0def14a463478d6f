/** Structured fields attached to a log line. */
export type LogFields = Record<string, unknown>;

/**
 * The small logger every Nexomatic library writes to. Inject your own (pino, winston, ...) through
 * the `logger` option; libraries never call `console` themselves.
 */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** A logger that drops everything: the default for libraries. */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;

/**
 * A logger that writes one line per record to a stream (stderr by default), for CLIs and examples.
 *
 * @param minLevel - the lowest level written. @default 'info'
 */
export function streamLogger(
  minLevel: (typeof LEVELS)[number] = 'info',
  write: (line: string) => void = (line) => process.stderr.write(line),
  prefix = '',
): Logger {
  const min = LEVELS.indexOf(minLevel);
  const log = (level: (typeof LEVELS)[number]) => (message: string, fields?: LogFields) => {
    if (LEVELS.indexOf(level) < min) return;
    const extra = fields && Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : '';
    write(`${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${prefix}${message}${extra}\n`);
  };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}
