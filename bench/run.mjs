// Steadfast benchmarks: `npm run bench` (every scenario, both adapters) or
// `npm run bench -- --scenario S1 --adapter postgres`. Each scenario runs in a process of its own and prints
// one JSON line to stdout; the whole run is written to bench/results/latest.json and latest.md.
// See bench/README.md.

import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { describeMachine } from './lib/machine.mjs';
import { markdown } from './lib/report.mjs';
import { ADAPTERS, PG_URL } from './lib/stores.mjs';

const ORDER = ['S0', 'S1', 'S2', 'S3', 'S4', 'S5', 'S6', 'S8'];
const SCENARIO_TIMEOUT_MS = 300_000;
const HERE = fileURLToPath(new URL('.', import.meta.url));

const USAGE = `usage: node bench/run.mjs [--scenario S0..S6]... [--adapter sqlite|postgres]... [--runs N] [--out DIR]
  --scenario, -s  scenario(s) to run, repeatable or comma-separated (default: all, ${ORDER.join(' ')})
  --adapter, -a   sqlite and/or postgres (default: both)
  --runs, -r      runs per scenario, at least 3 (default 3)
  --out, -o       where latest.json and latest.md go (default bench/results)
PostgreSQL: STEADFAST_PG_URL (default postgres://postgres@127.0.0.1:5432/test).`;

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', short: 's', multiple: true },
    adapter: { type: 'string', short: 'a', multiple: true },
    runs: { type: 'string', short: 'r', default: '3' },
    out: { type: 'string', short: 'o', default: fileURLToPath(new URL('results', import.meta.url)) },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const list = (v) => v?.flatMap((x) => x.split(',')).map((x) => x.trim()).filter(Boolean);
const scenarios = (list(values.scenario)?.map((s) => s.toUpperCase()) ?? ORDER);
const adapters = list(values.adapter)?.map((a) => (a === 'pg' ? 'postgres' : a.toLowerCase())) ?? ADAPTERS;
const runs = Number(values.runs);
for (const s of scenarios) if (!ORDER.includes(s)) fail(`unknown scenario ${s}`);
for (const a of adapters) if (!ADAPTERS.includes(a)) fail(`unknown adapter ${a}`);
if (!Number.isInteger(runs) || runs < 3) fail('--runs must be a whole number, at least 3 (figures are medians of runs)');

function fail(message) {
  console.error(`bench: ${message}\n${USAGE}`);
  process.exit(2);
}

/** Runs one scenario on one adapter in a child process; resolves with its JSON line (parsed). */
function runScenario(scenario, adapter, context) {
  return new Promise((resolve, reject) => {
    const args = [`${HERE}lib/scenario-process.mjs`, scenario, adapter, String(runs)];
    if (context) args.push(JSON.stringify(context));
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), SCENARIO_TIMEOUT_MS);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.trim().split('\n').at(-1);
      if (code === 0 && line) {
        try {
          return resolve(JSON.parse(line));
        } catch {}
      }
      reject(new Error(signal ? `killed by ${signal}${signal === 'SIGKILL' ? ` (timeout ${SCENARIO_TIMEOUT_MS / 1000} s?)` : ''}` : `exited with code ${code}`));
    });
  });
}

const startedAt = Date.now();
const info = await describeMachine();
const explicitPostgres = list(values.adapter)?.some((a) => a === 'postgres' || a === 'pg');
if (adapters.includes('postgres') && info.versions.postgresql === null) {
  const message = `PostgreSQL is not reachable at ${PG_URL} (set STEADFAST_PG_URL)`;
  if (explicitPostgres) fail(message);
  console.error(`\nbench: !!! ${message}: skipping the PostgreSQL scenarios !!!\n`);
  adapters.splice(adapters.indexOf('postgres'), 1);
}

const results = [];
const s0ByAdapter = {};
let failures = 0;
for (const scenario of ORDER.filter((s) => scenarios.includes(s))) {
  for (const adapter of adapters) {
    const t0 = Date.now();
    const loadBefore = loadavg()[0];
    process.stderr.write(`bench: ${scenario} ${adapter} ...\n`);
    try {
      const context = scenario === 'S1' && s0ByAdapter[adapter] ? { s0: s0ByAdapter[adapter] } : undefined;
      const line = await runScenario(scenario, adapter, context);
      if (scenario === 'S0') s0ByAdapter[adapter] = line.figures;
      process.stdout.write(`${JSON.stringify(line)}\n`);
      results.push({ ...line, elapsedSec: Math.round((Date.now() - t0) / 1000), loadavg1: [Number(loadBefore.toFixed(2)), Number(loadavg()[0].toFixed(2))] });
    } catch (error) {
      failures++;
      process.stderr.write(`bench: ${scenario} ${adapter} FAILED: ${error.message}\n`);
      results.push({ scenario, adapter, error: error.message });
    }
  }
}

const report = { ...info, elapsedSec: Math.round((Date.now() - startedAt) / 1000), scenarios, adapters, runsPerScenario: runs, results };
mkdirSync(values.out, { recursive: true });
writeFileSync(`${values.out}/latest.json`, `${JSON.stringify(report, null, 2)}\n`);
writeFileSync(`${values.out}/latest.md`, markdown(report));
process.stderr.write(`bench: done in ${report.elapsedSec} s; wrote ${values.out}/latest.json and latest.md\n`);
process.exit(failures > 0 ? 1 : 0);
