// Steadfast soak: every fault at once. `npm run soak` (10 minutes on PostgreSQL) or
// `npm run soak -- --minutes 1 --workflows 300 --adapter sqlite`. Runs against the built packages.
// Prints progress on stderr, then one JSON line on stdout ({ adapter, params, figures, checks, passed,
// detail }), and the markdown table on stderr; writes both to --out (default soak/results). Exits 1 when a check failed, 2 on bad usage.

import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { markdown } from './lib/report.mjs';
import { runSoak } from './lib/soak.mjs';

const USAGE = `usage: node soak/run.mjs [--minutes N] [--workflows N] [--adapter postgres|sqlite] [options]
  --minutes N            length of the fault period (default 10; fractions allowed)
  --workflows N          workflows to start during it (default 10000)
  --adapter A            postgres (a private initdb cluster) or sqlite (a tmpfs of its own; root) (default postgres)
  --workers N            worker processes kept alive (default 4)
  --concurrency N        runtime concurrency of each worker (default 20)
  --kill-every-ms N      SIGKILL a random worker this often (default 200)
  --pause-every-sec N    SIGSTOP a worker for leaseMs + 2 s this often (default 20)
  --lease-ms N           runtime leaseMs (default 3000; heartbeatMs is a quarter of it)
  --cut-every-ms N       PostgreSQL: cut every proxied connection this often (default 500)
  --restart-every-sec N  PostgreSQL: crash-restart the cluster this often (default 60)
  --full-every-sec N     SQLite: fill the disk this often (default 60)
  --full-for-sec N       SQLite: keep it full this long (default 10)
  --disk-mb N            SQLite: size of the tmpfs (default 256)
  --drain-timeout-sec N  how long the drain may take after the faults stop (default 600)
  --out DIR              where soak-<adapter>.json and .md go (default soak/results)`;

const { values } = parseArgs({
  options: Object.fromEntries(
    ['minutes', 'workflows', 'adapter', 'workers', 'concurrency', 'kill-every-ms', 'pause-every-sec', 'lease-ms', 'cut-every-ms',
      'restart-every-sec', 'full-every-sec', 'full-for-sec', 'disk-mb', 'drain-timeout-sec', 'out'].map((name) => [name, { type: 'string' }])
      .concat([['help', { type: 'boolean', short: 'h' }]]),
  ),
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
function number(name, fallback) {
  const value = values[name] === undefined ? fallback : Number(values[name]);
  if (!Number.isFinite(value) || value <= 0) {
    console.error(`soak: --${name} must be a positive number\n${USAGE}`);
    process.exit(2);
  }
  return value;
}
const adapter = values.adapter ?? 'postgres';
if (!['postgres', 'sqlite'].includes(adapter)) {
  console.error(`soak: unknown adapter ${adapter}\n${USAGE}`);
  process.exit(2);
}
const leaseMs = number('lease-ms', 3_000);
const options = {
  adapter,
  durationMs: Math.round(number('minutes', 10) * 60_000),
  workflows: Math.round(number('workflows', 10_000)),
  workers: Math.round(number('workers', 4)),
  concurrency: Math.round(number('concurrency', 20)),
  killEveryMs: number('kill-every-ms', 200),
  pauseEveryMs: number('pause-every-sec', 20) * 1_000,
  leaseMs,
  heartbeatMs: Math.floor(leaseMs / 4),
  cutEveryMs: number('cut-every-ms', 500),
  restartEveryMs: number('restart-every-sec', 60) * 1_000,
  fullEveryMs: number('full-every-sec', 60) * 1_000,
  fullForMs: number('full-for-sec', 10) * 1_000,
  diskMb: Math.round(number('disk-mb', 256)),
  drainTimeoutMs: number('drain-timeout-sec', 600) * 1_000,
};

const t0 = Date.now();
const result = await runSoak(options);
const passed = result.checks.every((c) => c.pass);
const { adapter: _, ...params } = options;
const line = { soak: 'every fault at once', adapter, date: new Date(t0).toISOString(), elapsedSec: Math.round((Date.now() - t0) / 1000), params, ...result, passed };
const table = markdown({ adapter, params, figures: result.figures, checks: result.checks, passed });
process.stdout.write(`${JSON.stringify(line)}\n`);
process.stderr.write(`\n${table}\n`);
const out = values.out ?? fileURLToPath(new URL('results', import.meta.url));
mkdirSync(out, { recursive: true });
writeFileSync(`${out}/soak-${adapter}.json`, `${JSON.stringify(line, null, 2)}\n`);
writeFileSync(`${out}/soak-${adapter}.md`, table);
// A stray handle (a pool closing slowly) must not hold the verdict.
process.exit(passed ? 0 : 1);
