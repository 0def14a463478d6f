import { z } from 'zod';
import { isLogArchive, type LogArchive } from './archive.js';

/** The `logs` option of `createHub`: retention and archive of task logs. */
export const LogsOptions = z.strictObject({
  /**
   * How long log records stay in the store before the archiver moves them to `archive`. Without
   * an archive they stay in the store. Fractions are allowed (`0.5` is 12 hours).
   * @default 30
   */
  retentionDays: z.number().min(0).max(36_500).default(30),
  /** Where records past retention go: `fsArchive({ dir })`, or `azureBlobArchive(...)` from `@nexomatic/hub/azure`. */
  archive: z.custom<LogArchive>(isLogArchive, 'must be a LogArchive (put and get), e.g. fsArchive({ dir })').optional(),
  /** How often the archiver looks for records past retention. @default 3600000 (1 hour) */
  archiveIntervalMs: z.number().int().min(100).max(7 * 86_400_000).default(3_600_000),
  /** Most attempts the archiver moves in one pass (it runs passes until none is left). @default 100 */
  archiveBatch: z.number().int().min(1).max(10_000).default(100),
});
/** The `logs` option of `createHub`. */
export type LogsOptions = z.input<typeof LogsOptions>;
/** The `logs` option with its defaults filled in. */
export type ResolvedLogsOptions = z.output<typeof LogsOptions>;
