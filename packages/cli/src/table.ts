/** Plain-text output: aligned columns and key/value blocks, no colours, no dependencies. */

const MAX_CELL = 60;

/**
 * Columns padded to their widest cell, separated by two spaces, with an upper-case header row. Cells
 * longer than 60 characters are cut with `…`, except in the last column, which is never padded.
 */
export function formatTable(headers: string[], rows: string[][]): string {
  const last = headers.length - 1;
  const cells = [headers.map((h) => h.toUpperCase()), ...rows.map((row) => row.map((cell, i) => (i === last ? oneLine(cell) : clip(oneLine(cell)))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  return cells
    .map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd())
    .join('\n');
}

/** `Label   value` lines, labels padded to the longest. */
export function formatFields(fields: Array<[string, string]>): string {
  const width = Math.max(...fields.map(([label]) => label.length));
  return fields.map(([label, value]) => `${label.padEnd(width)}  ${oneLine(value)}`).join('\n');
}

/** A date as `2025-03-01 09:00:00Z` (UTC, to the second), or `-`. */
export function formatDate(date: Date | undefined | null): string {
  return date ? date.toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, 'Z') : '-';
}

/** A value for a cell: JSON for payloads, `-` for nothing. */
export function formatValue(value: unknown): string {
  if (value === undefined || value === null) return '-';
  if (typeof value === 'string') return value;
  // A payload this process has no key for (core's EncryptedValue, as JSON).
  const encrypted = value as { $encrypted?: unknown; keyId?: unknown };
  if (encrypted.$encrypted === true) return typeof encrypted.keyId === 'string' ? `encrypted (key ${encrypted.keyId})` : 'encrypted';
  return JSON.stringify(value) ?? String(value);
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}

function clip(text: string): string {
  return text.length > MAX_CELL ? `${text.slice(0, MAX_CELL - 1)}…` : text;
}
