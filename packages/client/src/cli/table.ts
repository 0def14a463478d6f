/** Plain-text tables and key/value blocks for the CLI's human output. */

/** A cell's text: dates and nulls made readable, objects as compact JSON. */
export function cell(value: unknown): string {
  if (value === null || value === undefined || value === '') return '-';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** A table with a header row; columns padded to their widest cell. An empty list prints `empty`. */
export function table(headers: readonly string[], rows: ReadonlyArray<readonly unknown[]>, empty = '(none)'): string {
  if (rows.length === 0) return `${empty}\n`;
  const text = rows.map((row) => row.map(cell));
  const widths = headers.map((h, i) => Math.max(h.length, ...text.map((row) => row[i]?.length ?? 0)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return `${[line(headers), ...text.map(line)].join('\n')}\n`;
}

/** `key: value` lines, keys aligned. */
export function details(pairs: ReadonlyArray<readonly [string, unknown]>): string {
  const width = Math.max(...pairs.map(([k]) => k.length));
  return `${pairs.map(([k, v]) => `${`${k}:`.padEnd(width + 2)}${cell(v)}`).join('\n')}\n`;
}
