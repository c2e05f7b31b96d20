// The PostgreSQL soak environment: a private cluster (initdb, its own port; never the shared server), the
// fault proxy in front of it for the workers, and the database faults: a crash-restart
// (`pg_ctl stop -m immediate` + start, i.e. `pg_ctl restart -m immediate`) every ~restartEveryMs, and
// every connection through the proxy cut every ~cutEveryMs. The driver, the ledger and the checks connect
// straight to the cluster: only the workers' framework traffic goes through the proxy.

import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { Runtime } from '@steadfast/core';
import { PostgresAdapter } from '@steadfast/postgres-adapter';
import { PrivateCluster } from '../../test/support/private-cluster.mjs';
import { ALL } from './definitions.mjs';
import { repeat } from './faults.mjs';
import { forkHelper } from './ipc.mjs';
import { postgresReader, preparePostgres, SCHEMA } from './postgres-store.mjs';

const PROXY = fileURLToPath(new URL('./proxy-process.mjs', import.meta.url));

export async function postgresEnvironment(options) {
  const cluster = await PrivateCluster.start();
  let proxy;
  let client;
  try {
    await preparePostgres(cluster.url);
    proxy = forkHelper(PROXY, [JSON.stringify({ targetPort: cluster.port, cutEveryMs: options.cutEveryMs })]);
    const { port } = await proxy.next('listening');
    client = new Runtime({
      storage: new PostgresAdapter({ connection: cluster.url, schema: SCHEMA, pool: { max: 4 } }),
      logger: pino({ level: 'silent' }),
    });
    client.register(...ALL);
    await client.listWorkflows({ limit: 1 }); // migrates once, before the workers race to
    const reader = postgresReader(cluster.url);
    const restartMs = [];
    let proxyFigures;
    return {
      adapter: 'postgres',
      workerConfig: { adapter: 'postgres', connection: `postgres://postgres@127.0.0.1:${port}/postgres`, ledgerUrl: cluster.url, poolMax: 5 },
      client,
      reader,
      startFaults() {
        proxy.send({ type: 'cuts', on: true });
        const restarts = repeat(
          'database crash-restart',
          options.restartEveryMs,
          async () => {
            const t0 = Date.now();
            await cluster.restart('immediate');
            restartMs.push(Date.now() - t0);
          },
          { firstAfterMs: Math.min(options.restartEveryMs, options.durationMs / 2) },
        );
        return [{ fault: { name: 'proxy cuts', errors: [] }, stop: async () => proxy.send({ type: 'cuts', on: false }) }, restarts];
      },
      async figures() {
        proxyFigures ??= await proxy.request({ type: 'stop' }, 'figures');
        return {
          dbRestarts: restartMs.length,
          dbRestartMsMax: Math.max(0, ...restartMs),
          proxyCuts: proxyFigures.cuts,
          connectionsCut: proxyFigures.socketsCut,
          proxiedConnections: proxyFigures.connections,
        };
      },
      extraChecks: async () => [],
      async teardown() {
        await client.shutdown({ timeout: 0 }).catch(() => {});
        await reader.close();
        await proxy.kill();
        await cluster.destroy();
      },
    };
  } catch (error) {
    await client?.shutdown({ timeout: 0 }).catch(() => {});
    await proxy?.kill();
    await cluster.destroy();
    throw error;
  }
}
