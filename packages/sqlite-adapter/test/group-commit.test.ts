import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LeaseLostError } from '@steadfast/core/adapter';
import { GroupCommit } from '../src/group-commit.js';
import { SqliteDatabase } from '../src/sqlite-database.js';

describe('GroupCommit', () => {
  let dir: string;
  let database: SqliteDatabase;
  let commit: GroupCommit;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'steadfast-group-commit-'));
    const db = new Database(join(dir, 'db.sqlite'));
    db.exec('CREATE TABLE t_rows (name TEXT PRIMARY KEY)');
    database = new SqliteDatabase(db, 't_');
    commit = new GroupCommit(async () => database, () => undefined);
  });

  afterEach(() => {
    database.db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const insert = (name: string) => (d: SqliteDatabase) => d.write(() => void d.sql('INSERT INTO {p}rows (name) VALUES (?)').run(name));
  const names = () => (database.db.prepare('SELECT name FROM t_rows ORDER BY name').all() as Array<{ name: string }>).map((r) => r.name);

  it('commits the writes of one turn together, and a write refused by its fence takes nothing else with it', async () => {
    const results = await Promise.allSettled([
      commit.run(insert('a'), true),
      commit.run(() => {
        throw new LeaseLostError('wf', 1);
      }, true),
      commit.run(insert('b'), true),
      commit.run((d) => d.sql('SELECT count(*) AS n FROM {p}rows').get(), false),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(LeaseLostError);
    // The read ran inside the batch: it saw the batch's own writes.
    expect((results[3] as PromiseFulfilledResult<{ n: number }>).value.n).toBe(2);
    expect(names()).toEqual(['a', 'b']);
  });

  it('a write that fails after it wrote part of its work leaves none of it, and the rest of its batch still commits', async () => {
    const partial = (d: SqliteDatabase) =>
      d.write(() => {
        d.sql('INSERT INTO {p}rows (name) VALUES (?)').run('half');
        throw new Error('failed half-way');
      });
    const results = await Promise.allSettled([commit.run(insert('a'), true), commit.run(partial, true), commit.run(insert('b'), true)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(String((results[1] as PromiseRejectedResult).reason)).toContain('failed half-way');
    expect(names()).toEqual(['a', 'b']);
  });

  it('a constraint violation mid-batch rolls back only its own operation', async () => {
    await commit.run(insert('taken'), true);
    const results = await Promise.allSettled([commit.run(insert('a'), true), commit.run(insert('taken'), true), commit.run(insert('c'), true)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(names()).toEqual(['a', 'c', 'taken']);
  });
});
