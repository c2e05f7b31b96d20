import type { PostgresDatabase } from '../postgres-database.js';

/**
 * The quoted, schema-qualified name of one of the adapter's tables, for tables whose SQL has no placeholder in
 * `PostgresDatabase.expand` (the published events and stream chunks). A statement built with it has the same
 * text on every call, so it is still compiled and prepared once.
 */
export function table(database: PostgresDatabase, name: string): string {
  return `"${database.schema}"."${database.prefix}${name}"`;
}

/**
 * The LISTEN/NOTIFY channel of publications (`publish` notifies it with the workflow id). A channel of its own,
 * apart from the due-work one, so workers are not woken by every stream chunk, and only processes that read a
 * workflow's events or streams listen to it.
 */
export function publicationsChannel(database: PostgresDatabase): string {
  return `${database.schema}.${database.prefix}published`;
}
