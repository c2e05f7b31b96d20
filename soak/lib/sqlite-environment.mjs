// The SQLite soak environment: several worker processes on one database file that lives on a small tmpfs
// of our own, and the full-disk fault: every ~fullEveryMs a filler process fills the tmpfs to ENOSPC, holds
// it full for fullForMs, and frees it. Before each fill, the completed workflows are read: none of them may
// change or disappear once space returns, and the file must pass PRAGMA integrity_check.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { Runtime } from '@steadfast/core';
import { SqliteAdapter } from '@steadfast/sqlite-adapter';
import { ALL } from './definitions.mjs';
import { repeat } from './faults.mjs';
import { forkHelper } from './ipc.mjs';
import { pause } from './retry.mjs';
import { prepareSqlite, sqliteReader } from './sqlite-store.mjs';
import { mountTmpfs } from './tmpfs.mjs';

const FILLER = fileURLToPath(new URL('./disk-filler.mjs', import.meta.url));

export async function sqliteEnvironment(options, phase) {
  const disk = mountTmpfs(options.diskMb);
  const ledgerDir = mkdtempSync(join(tmpdir(), 'steadfast-soak-ledger-'));
  const filename = join(disk.dir, 'soak.db');
  const ledgerFile = join(ledgerDir, 'ledger.db');
  let filler;
  let client;
  const cleanup = async () => {
    await client?.shutdown({ timeout: 0 }).catch(() => {});
    await filler?.kill();
    disk.unmount();
    rmSync(ledgerDir, { recursive: true, force: true });
  };
  try {
    prepareSqlite(filename, ledgerFile);
    client = new Runtime({ storage: new SqliteAdapter({ filename }), logger: pino({ level: 'silent' }) });
    client.register(...ALL);
    await client.listWorkflows({ limit: 1 }); // migrates once, before the workers race to
    filler = forkHelper(FILLER, [disk.dir]);
    const reader = sqliteReader(filename, ledgerFile);
    const periods = []; // { at, bytes, freedAt }
    const before = new Map(); // id -> output of workflows completed before a fill
    const fill = async () => {
      for (const w of await reader.query(`SELECT id, output FROM steadfast_workflows WHERE status = 'completed'`)) before.set(w.id, w.output);
      const period = { at: Date.now() };
      periods.push(period);
      phase.set('disk full');
      period.bytes = (await filler.request({ type: 'fill' }, 'full')).bytes;
      await pause(options.fullForMs);
      await filler.request({ type: 'free' }, 'freed');
      phase.set(undefined);
      period.freedAt = Date.now();
    };
    return {
      adapter: 'sqlite',
      workerConfig: { adapter: 'sqlite', filename, ledgerFile },
      client,
      reader,
      startFaults() {
        return [repeat('disk full', options.fullEveryMs, fill, { firstAfterMs: Math.min(options.fullEveryMs, options.durationMs / 3) })];
      },
      async figures() {
        return {
          diskFullPeriods: periods.length,
          diskFullMs: periods.reduce((ms, p) => ms + ((p.freedAt ?? Date.now()) - p.at), 0),
          fillerBytes: periods.reduce((n, p) => n + (p.bytes ?? 0), 0),
          completedBeforeFills: before.size,
        };
      },
      async extraChecks() {
        const integrity = reader.integrity();
        const now = new Map((await reader.query(`SELECT id, status, output FROM steadfast_workflows`)).map((w) => [w.id, w]));
        const changed = [...before].filter(([id, output]) => now.get(id)?.status !== 'completed' || now.get(id).output !== output).length;
        return [
          { name: 'PRAGMA integrity_check', value: integrity, pass: integrity === 'ok', expect: "= 'ok'" },
          { name: 'workflows completed before a fill, changed or gone after', value: changed, pass: changed === 0, expect: '= 0' },
        ];
      },
      async teardown() {
        await reader.close();
        await cleanup();
      },
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
