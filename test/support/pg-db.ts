/**
 * Queries on one PostgreSQL schema of the framework's tables (qualified names), plus the application
 * `ledger` table that the worker fixtures' task bodies write to (test/fixtures/pg-workflows.mjs).
 */
import pg from 'pg';

export class Db {
  readonly pool: pg.Pool;
  /** `pools` collects the pool, for the caller's clean-up (afterEach ends them). */
  constructor(
    readonly url: string,
    readonly schema: string,
    pools: pg.Pool[],
  ) {
    this.pool = new pg.Pool({ connectionString: url, max: 3, connectionTimeoutMillis: 3_000 });
    this.pool.on('error', () => {}); // an idle connection dying (server restart) is not an error here
    pools.push(this.pool);
  }
  /** `steadfast_<name>` in the schema, or the ledger. */
  t(name: 'workflows' | 'steps' | 'events' | 'migrations' | 'ledger'): string {
    return name === 'ledger' ? `"${this.schema}".ledger` : `"${this.schema}"."steadfast_${name}"`;
  }
  async q<T extends pg.QueryResultRow = any>(text: string, values: unknown[] = []): Promise<T[]> {
    return (await this.pool.query<T>(text, values)).rows;
  }
  async createLedger(): Promise<void> {
    await this.q(`CREATE SCHEMA IF NOT EXISTS "${this.schema}"`);
    await this.q(
      `CREATE TABLE ${this.t('ledger')} (
         id bigserial PRIMARY KEY, workflow_id text NOT NULL, step int NOT NULL, pid int NOT NULL, note text,
         at timestamptz NOT NULL DEFAULT clock_timestamp())`,
    );
  }
  async statusCounts(): Promise<Record<string, number>> {
    const rows = await this.q<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM ${this.t('workflows')} GROUP BY status`);
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }
  async count(table: 'workflows' | 'steps' | 'events' | 'ledger', where = 'true', values: unknown[] = []): Promise<number> {
    const [row] = await this.q<{ n: number }>(`SELECT count(*)::int AS n FROM ${this.t(table)} WHERE ${where}`, values);
    return row!.n;
  }
}
