/**
 * How the dashboard writes times and values. One date format throughout: `YYYY-MM-DD HH:mm:ss` in the
 * browser's time zone, which the header names once; every date is a `<time>` whose tooltip is the UTC
 * ISO-8601 instant. Sub-second detail is given as offsets and durations, never as another date format.
 */

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** `2026-03-01 09:30:05` (local time), or `–` for no date. */
export function dateTime(iso: string | number | null | undefined): string {
  if (iso === null || iso === undefined) return '–';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '–';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** A `<time>` element showing {@link dateTime}, with the exact UTC instant as its tooltip. */
export function timeElement(iso: string | number | null | undefined): HTMLTimeElement {
  const el = document.createElement('time');
  el.textContent = dateTime(iso);
  if (iso !== null && iso !== undefined) {
    const exact = new Date(iso).toISOString();
    el.dateTime = exact;
    el.title = exact;
  }
  return el;
}

/** The browser's time zone as the header shows it: `UTC+01:00 (Europe/Berlin)`. */
export function zoneLabel(at: Date = new Date()): string {
  const minutes = -at.getTimezoneOffset();
  const sign = minutes < 0 ? '-' : '+';
  const offset = `UTC${sign}${pad(Math.floor(Math.abs(minutes) / 60))}:${pad(Math.abs(minutes) % 60)}`;
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return zone ? `${offset} (${zone})` : offset;
}

/** A length of time to read at a glance: `850 ms`, `1.24 s`, `12.4 s`, `3 min 05 s`, `2 h 10 min`, `3 d 4 h`. */
export function duration(ms: number): string {
  const abs = Math.abs(ms);
  const sign = ms < 0 ? '-' : '';
  if (abs < 1000) return `${sign}${Math.round(abs)} ms`;
  if (abs < 60_000) return `${sign}${(abs / 1000).toFixed(abs < 10_000 ? 2 : 1)} s`;
  const s = Math.round(abs / 1000);
  if (s < 3600) return `${sign}${Math.floor(s / 60)} min ${pad(s % 60)} s`;
  if (s < 86_400) return `${sign}${Math.floor(s / 3600)} h ${pad(Math.floor((s % 3600) / 60))} min`;
  return `${sign}${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
}

/** A length of time in its largest whole unit, for windows and buckets: `45 s`, `30 min`, `1 h`, `2 d`. */
export function span(ms: number): string {
  const units: Array<[string, number]> = [['d', 86_400_000], ['h', 3_600_000], ['min', 60_000], ['s', 1000]];
  const [unit, size] = units.find(([, size]) => ms >= size && ms % size === 0) ?? units.find(([, size]) => ms >= size) ?? ['ms', 1];
  return `${Math.round(ms / size)} ${unit}`;
}

/** How long after `from` the instant `iso` is, as `+1.24 s`; empty when either is missing. */
export function offset(iso: string | null, from: string | null): string {
  if (!iso || !from) return '';
  return `+${duration(Date.parse(iso) - Date.parse(from))}`;
}

/** A payload as indented JSON, `–` for none, or `encrypted (key …)` for one the server has no key for (core's EncryptedValue). */
export function json(value: unknown, indent = 2): string {
  if (value === null || value === undefined) return '–';
  const encrypted = value as { $encrypted?: unknown; keyId?: unknown };
  if (encrypted.$encrypted === true) return typeof encrypted.keyId === 'string' ? `encrypted (key ${encrypted.keyId})` : 'encrypted';
  return JSON.stringify(value, null, indent);
}

/** A rate as `2.5 %`, or `–`. */
export function percent(rate: number | null): string {
  if (rate === null) return '–';
  return `${(rate * 100).toFixed(rate > 0 && rate < 0.1 ? 1 : 0)} %`;
}
