import { UsageError } from './exit-codes.js';

/** The storage a database URL names. */
export type DatabaseTarget = { kind: 'postgres'; connection: string } | { kind: 'sqlite'; filename: string };

const POSTGRES = /^postgres(?:ql)?:\/\//i;
const SQLITE_SCHEME = /^sqlite:(?:\/\/)?/i;
const SQLITE_FILE = /\.(?:db|sqlite3?)$/i;
// Two letters at least, so a Windows drive (C:) is not taken for a scheme.
const ANY_SCHEME = /^[a-z][a-z0-9+.-]+:/i;

export const DATABASE_URL_FORMS = 'postgres://user@host:5432/db, postgresql://..., sqlite:path, sqlite://path, or a file ending .db, .sqlite or .sqlite3';

/**
 * Reads `--database` (or `DATABASE_URL`): `postgres://` and `postgresql://` name PostgreSQL; `sqlite:path`,
 * `sqlite://path` (so `sqlite:///abs/file.db` is absolute) and a bare path ending `.db`, `.sqlite` or
 * `.sqlite3` name a SQLite file.
 */
export function parseDatabaseUrl(url: string | undefined): DatabaseTarget {
  if (url === undefined || url.trim() === '') {
    throw new UsageError(`no database given: pass --database <url> or set DATABASE_URL (${DATABASE_URL_FORMS})`);
  }
  if (POSTGRES.test(url)) return { kind: 'postgres', connection: url };
  if (SQLITE_SCHEME.test(url)) {
    const filename = url.replace(SQLITE_SCHEME, '');
    if (filename === '') throw new UsageError(`database URL ${JSON.stringify(url)} names no file; use sqlite:path/to/file.db`);
    return { kind: 'sqlite', filename };
  }
  if (SQLITE_FILE.test(url) && !ANY_SCHEME.test(url)) return { kind: 'sqlite', filename: url };
  throw new UsageError(`unrecognised database URL ${JSON.stringify(redactUrl(url))}; expected ${DATABASE_URL_FORMS}`);
}

/** The URL with its password replaced by `***`, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password === '') return url;
    parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}
