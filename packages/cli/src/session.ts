import { existsSync, readFileSync } from 'node:fs';
import { pino } from 'pino';
import { compression, encryption, encryptionKeysFromEnv, isSteadfastError, WorkflowClient, type PayloadCodec, type StorageAdapter } from '@steadfast/core';
import { PostgresAdapter } from '@steadfast/postgres-adapter';
import { SqliteAdapter } from '@steadfast/sqlite-adapter';
import type { CliIo } from './cli-io.js';
import { parseDatabaseUrl, redactUrl, type DatabaseTarget } from './database-url.js';
import { UsageError } from './exit-codes.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** A workflow client (it executes nothing) on the database a command names. */
export interface Session {
  client: WorkflowClient;
  storage: StorageAdapter;
  /** The database URL, password redacted, for messages. */
  database: string;
  /**
   * Checks that the PostgreSQL schema exists, so a mistyped `--schema` is reported instead of being created
   * by the client's migration on first use (a missing SQLite file is refused by `openSession` already).
   */
  checkExists(): Promise<void>;
}

export interface SessionOptions {
  /** `--database`; `DATABASE_URL` when absent. */
  database?: string;
  /** `--schema` (PostgreSQL only). Default `public`. */
  schema?: string;
  /** Whether a SQLite file that does not exist yet may be created (`migrate`); otherwise a usage error. Default false. */
  create?: boolean;
  /** `--encryption-keys-file`: a file of `id=base64` keys, one a line (or comma-separated); `STEADFAST_ENCRYPTION_KEYS` when absent. */
  encryptionKeysFile?: string;
}

/**
 * Opens a session. Nothing connects yet: the client connects and migrates on first use.
 * A bad URL, schema, log level or a missing SQLite file is a {@link UsageError}.
 */
export function openSession(options: SessionOptions, io: CliIo): Session {
  const url = options.database ?? io.env.DATABASE_URL;
  const target = parseDatabaseUrl(url);
  const level = io.env.STEADFAST_LOG_LEVEL ?? 'warn';
  if (!LOG_LEVELS.includes(level)) {
    throw new UsageError(`invalid STEADFAST_LOG_LEVEL ${JSON.stringify(level)}; expected one of ${LOG_LEVELS.join(', ')}`);
  }
  const storage = createStorage(target, options);
  // Logs go to stderr so stdout carries only results (a --json consumer must be able to parse it).
  const logger = pino({ name: 'steadfast', level }, { write: (line: string) => void io.stderr.write(line) });
  const checkExists = async () => {
    if (!(storage instanceof PostgresAdapter)) return;
    const schema = options.schema ?? 'public';
    const found = await storage.knex.raw<{ rows: unknown[] }>('SELECT 1 FROM pg_namespace WHERE nspname = ?', [schema]);
    if (found.rows.length === 0) throw new UsageError(`PostgreSQL schema ${schema} does not exist; check --schema, or create it with "steadfast migrate"`);
  };
  return { client: new WorkflowClient({ storage, logger, codec: payloadCodec(options, io) }), storage, database: redactUrl(url!), checkExists };
}

/**
 * The codecs of encrypted databases, from `--encryption-keys-file` or `STEADFAST_ENCRYPTION_KEYS` (and
 * `STEADFAST_TENANT_KEYS`): without keys, encrypted payloads are shown as "encrypted (key …)".
 */
function payloadCodec(options: SessionOptions, io: CliIo): PayloadCodec[] | undefined {
  let list = io.env.STEADFAST_ENCRYPTION_KEYS;
  if (options.encryptionKeysFile !== undefined) {
    try {
      list = readFileSync(options.encryptionKeysFile, 'utf8').split(/[\r\n]+/).join(',');
    } catch (error) {
      throw new UsageError(`cannot read --encryption-keys-file ${options.encryptionKeysFile}: ${(error as Error).message}`);
    }
  }
  try {
    const keys = encryptionKeysFromEnv({ STEADFAST_ENCRYPTION_KEYS: list, STEADFAST_TENANT_KEYS: io.env.STEADFAST_TENANT_KEYS });
    return keys ? [compression(), encryption(keys)] : undefined;
  } catch (error) {
    if (isSteadfastError(error) && error.code === 'VALIDATION') throw new UsageError(error.message);
    throw error;
  }
}

function createStorage(target: DatabaseTarget, options: SessionOptions): StorageAdapter {
  try {
    if (target.kind === 'postgres') return new PostgresAdapter({ connection: target.connection, schema: options.schema ?? 'public' });
    if (options.schema !== undefined) throw new UsageError('--schema applies to PostgreSQL only; a SQLite database has no schemas');
    if (!options.create && target.filename !== ':memory:' && !existsSync(target.filename)) {
      throw new UsageError(`SQLite database ${target.filename} does not exist; check the path, or create it with "steadfast migrate"`);
    }
    return new SqliteAdapter({ filename: target.filename });
  } catch (error) {
    // The adapters check their options (e.g. the schema name) with ValidationError: a bad argument here.
    if (isSteadfastError(error) && error.code === 'VALIDATION') throw new UsageError(error.message);
    throw error;
  }
}
