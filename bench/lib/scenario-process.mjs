// Runs one scenario on one adapter in a process of its own and prints its one JSON line to stdout:
// { scenario, adapter, params, figures, runs }. Progress goes to stderr.
// Usage: node bench/lib/scenario-process.mjs <scenario id> <sqlite|postgres> <runs> [context JSON]

import { SCENARIOS } from '../scenarios/index.mjs';
import { roundAll, summarize } from './stats.mjs';

const [scenario, adapter, runsText, contextText] = process.argv.slice(2);
const run = SCENARIOS[scenario];
if (!run) throw new Error(`unknown scenario ${scenario}`);
const context = contextText ? JSON.parse(contextText) : {};
const result = await run({ adapter, runs: Number(runsText), context });
const runs = result.runs.map(roundAll);
const line = { scenario, adapter, params: result.params, figures: runs.length > 0 ? summarize(runs) : {}, runs };
if (result.detail) line.detail = result.detail;
process.stdout.write(`${JSON.stringify(line)}\n`);
// A scenario closes what it opened; exit anyway so a stray handle cannot hold the run.
process.exit(0);
