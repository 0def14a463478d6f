/**
 * Masking of resolved secret values: every occurrence of a value in text becomes `***`. The sink
 * masks what it sends for a task, and the hub masks again what it stores (DESIGN.md section 7).
 */

/** What a masked value is replaced with. */
export const MASK = '***';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The resolved secret values of one task attempt, and the replacing of them. Longer values are
 * matched first (so a value that contains another is masked whole); empty values are ignored. A
 * value is also masked in its JSON-escaped form (as it appears inside a printed JSON string).
 *
 * @example
 * ```ts
 * const mask = new SecretMask(['s3cr3t']);
 * mask.text('token=s3cr3t'); // 'token=***'
 * ```
 */
export class SecretMask {
  private readonly values = new Set<string>();
  private pattern: RegExp | null = null;

  constructor(values: Iterable<string> = []) {
    for (const value of values) this.add(value);
  }

  /** How many distinct values are masked. */
  get size(): number {
    return this.values.size;
  }

  /** Adds a value to mask from now on. */
  add(value: string): void {
    if (typeof value !== 'string' || value.length === 0) return;
    const escaped = JSON.stringify(value).slice(1, -1);
    for (const form of escaped === value ? [value] : [value, escaped]) {
      if (this.values.has(form)) continue;
      this.values.add(form);
      this.pattern = null;
    }
  }

  /** The text with every masked value replaced by {@link MASK}. */
  text(text: string): string {
    if (this.values.size === 0 || typeof text !== 'string') return text;
    this.pattern ??= new RegExp([...this.values].sort((a, b) => b.length - a.length).map(escapeRegExp).join('|'), 'g');
    return text.replace(this.pattern, MASK);
  }

  /** A copy of a JSON-like value with every string (object keys included) masked. */
  json<T>(value: T): T {
    if (this.values.size === 0) return value;
    return this.deep(value) as T;
  }

  private deep(value: unknown): unknown {
    if (typeof value === 'string') return this.text(value);
    if (Array.isArray(value)) return value.map((item) => this.deep(item));
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) out[this.text(key)] = this.deep(item);
      return out;
    }
    return value;
  }
}

/** A log report, as far as masking is concerned. */
interface MaskableLog {
  kind: 'log';
  record: { message: string; fields?: unknown };
}

/** A result report, as far as masking is concerned. */
interface MaskableResult {
  kind: 'result';
  result?: unknown;
  error?: { code: string; message: string; details?: unknown } | null;
  warnings?: string[];
}

/**
 * A copy of a sink report with the mask applied to everything a module can write into it: a log
 * record's message and fields, a result's value, error (code, message, details) and warnings.
 * Other reports are returned as they are.
 */
export function maskReport<R extends { kind: string }>(report: R, mask: SecretMask): R {
  if (mask.size === 0) return report;
  if (report.kind === 'log') {
    const log = report as unknown as MaskableLog;
    const record = { ...log.record, message: mask.text(log.record.message) };
    if (log.record.fields !== undefined) record.fields = mask.json(log.record.fields);
    return { ...report, record };
  }
  if (report.kind === 'result') {
    const result = report as unknown as MaskableResult;
    const masked: MaskableResult = { ...result };
    if (result.result !== undefined) masked.result = mask.json(result.result);
    if (result.error) masked.error = mask.json(result.error);
    if (result.warnings !== undefined) masked.warnings = result.warnings.map((w) => mask.text(w));
    return masked as unknown as R;
  }
  return report;
}
