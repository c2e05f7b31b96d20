import type { PostgresDatabase } from '../postgres-database.js';

/**
 * The quoted, schema-qualified name of one of the adapter's tables, for tables whose SQL has no placeholder in
 * `PostgresDatabase.expand` (the published events and stream chunks). A statement built with it has the same
 * text on every call, so it is still compiled and prepared once.
 */
export function table(database: PostgresDatabase, name: string): string {
  return `"${database.schema}"."${database.prefix}${name}"`;
}
