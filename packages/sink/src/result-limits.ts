import type { ReportInput } from '@nexomatic/core';

type ResultReport = Extract<ReportInput, { kind: 'result' }>;

/** The most characters of one warning, and the most warnings, a result report may carry (core's `ResultReport`). */
const MAX_WARNING = 10_000;
const MAX_WARNINGS = 1000;

/** The largest result report the sink sends. @default 1 MiB, below the hub's default WebSocket message limit of 4 MiB. */
export const DEFAULT_MAX_RESULT_BYTES = 1024 * 1024;

const size = (report: ResultReport) => Buffer.byteLength(JSON.stringify(report));

/**
 * Makes a result report fit what the hub accepts, so that one oversized report can never be
 * refused over and over and hold up every report queued behind it:
 *
 * - warnings are clipped to 10,000 characters and 1,000 entries;
 * - error details (a long traceback, say) are dropped when the report is too large with them;
 * - a report still larger than `maxBytes` becomes `ERROR` with code `RESULT_TOO_LARGE`
 *   (not retryable: the module would return the same again).
 */
export function fitResult(report: ResultReport, maxBytes: number = DEFAULT_MAX_RESULT_BYTES): ResultReport {
  let fitted: ResultReport = report;
  const warnings = report.warnings ?? [];
  if (warnings.length > MAX_WARNINGS || warnings.some((w) => w.length > MAX_WARNING)) {
    const kept = warnings.slice(0, MAX_WARNINGS).map((w) => (w.length > MAX_WARNING ? `${w.slice(0, MAX_WARNING - 12)} [truncated]` : w));
    fitted = { ...fitted, warnings: kept };
  }
  if (size(fitted) <= maxBytes) return fitted;
  if (fitted.error?.details !== undefined) {
    const { details: _details, ...error } = fitted.error;
    fitted = { ...fitted, error };
    if (size(fitted) <= maxBytes) return fitted;
  }
  const bytes = size(report);
  return {
    kind: 'result',
    eventId: report.eventId,
    attempt: report.attempt,
    outcome: 'ERROR',
    result: null,
    error: {
      code: 'RESULT_TOO_LARGE',
      message: `the module's result is ${bytes} bytes as JSON; a result may be at most ${maxBytes} bytes`,
      retryable: false,
    },
    warnings: fitted.warnings ?? [],
  };
}
