// The markdown report of a run and the text summary of its targets (evaluated by run.mjs with
// bench/lib/targets.mjs; reported, never asserted).

import { verdict } from './targets.mjs';

const cell = (v) => (v === null || v === undefined ? '' : String(v));
const number = (v) => (typeof v === 'number' ? v.toLocaleString('en-US', { maximumFractionDigits: 3 }) : cell(v));
const load = (l) => (l ? `${l.before[0]} → ${l.after[0]}` : '');

/** Every target of the run: one row each, with the scenario's load average (1 min, before → after). */
function targetRows(results) {
  const rows = [];
  for (const result of results) {
    for (const t of result.targets ?? []) {
      const bound = t.bound === null ? '' : ` (${number(t.bound)})`;
      rows.push(`| ${result.scenario} | ${result.adapter} | ${t.figure} | ${number(t.median)} | ${t.rule}${bound} | ${t.ratio === undefined ? '' : number(t.ratio)} | ${verdict(t.met)} | ${load(result.loadavg)} |`);
    }
  }
  return rows;
}

export function markdown({ date, commit, machine, versions, results, elapsedSec, loadavgAtEnd }) {
  const lines = [];
  lines.push('# Steadfast benchmark results', '');
  lines.push(`- date: ${date}, commit ${commit}, whole run ${elapsedSec} s`);
  lines.push(`- machine: ${machine.nproc} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB, ${machine.os}`);
  lines.push(`- load average (1 / 5 / 15 min) at start ${machine.loadavgAtStart.join(' / ')}, at end ${loadavgAtEnd?.join(' / ') ?? '?'}; per scenario (1 min, before → after) below`);
  lines.push(`- versions: ${Object.entries(versions).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  lines.push('- every figure: median of the runs, with min and max; targets are reported, not asserted; S0@1 / S0@32 are the S0 medians of this invocation (or of the short S0 a scenario measured itself)', '');
  const met = results.flatMap((r) => r.targets ?? []);
  lines.push(`## Targets: ${met.filter((t) => t.met === true).length} met, ${met.filter((t) => t.met === false).length} missed, ${met.filter((t) => t.met === null).length} not measured`, '');
  lines.push('| scenario | adapter | figure | median | target | ratio to S0 | met | load |');
  lines.push('|---|---|---|---:|---|---:|---|---|');
  lines.push(...targetRows(results), '');
  lines.push('## Every figure', '');
  lines.push('| scenario | adapter | figure | median | min | max | target | met |');
  lines.push('|---|---|---|---:|---:|---:|---|---|');
  for (const result of results) {
    if (result.error) {
      lines.push(`| ${result.scenario} | ${result.adapter} | **failed** | | | | ${result.error.replaceAll('|', '/').slice(0, 200)} | |`);
      continue;
    }
    if (result.params?.skipped) lines.push(`| ${result.scenario} | ${result.adapter} | **skipped** | | | | ${result.params.skipped.replaceAll('|', '/')} | |`);
    for (const [figure, value] of Object.entries(result.figures)) {
      const target = result.targets?.find((t) => t.figure === figure);
      const numeric = value && typeof value === 'object';
      const rule = target ? `${target.rule}${target.bound === null ? '' : ` (${number(target.bound)})`}` : '';
      lines.push(
        `| ${result.scenario} | ${result.adapter} | ${figure} | ${numeric ? cell(value.median) : cell(value)} | ${numeric ? cell(value.min) : ''} | ${numeric ? cell(value.max) : ''} | ${rule} | ${target ? verdict(target.met) : ''} |`,
      );
    }
  }
  lines.push('', 'Parameters of each scenario are in latest.json (`params`), with every run (`runs`) and its load average (`loadavg`).', '');
  return lines.join('\n');
}

/** The targets as plain text lines, for the terminal. */
export function targetSummary(results) {
  const lines = ['bench: targets (median vs target):'];
  for (const result of results) {
    for (const t of result.targets ?? []) {
      const bound = t.bound === null ? '' : ` = ${number(t.bound)}`;
      lines.push(`  ${t.met === true ? 'met   ' : t.met === false ? 'MISSED' : 'n/a   '} ${result.scenario} ${result.adapter.padEnd(8)} ${t.figure.padEnd(22)} ${String(number(t.median)).padStart(10)}  ${t.rule}${bound}`);
    }
  }
  return lines.join('\n');
}
