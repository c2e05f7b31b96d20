/** The dashboard's stylesheet, served as `dashboard.css` (a file of its own, so the CSP needs no 'unsafe-inline'). */
export const DASHBOARD_CSS = `
:root {
  --bg: #f6f7f9; --panel: #fff; --text: #1d2330; --muted: #667085; --line: #e3e6eb; --accent: #2f6feb;
  --pending: #8a63d2; --running: #2f6feb; --sleeping: #0e9aa7; --completed: #1f9d55; --failed: #d92d20; --cancelled: #7a8394;
}
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: var(--bg); color: var(--text); }
header { display: flex; align-items: center; flex-wrap: wrap; gap: 8px 12px; padding: 10px 20px; background: #101828; color: #fff; }
header h1 { font-size: 18px; margin: 0 8px 0 0; letter-spacing: .3px; }
header .spacer { flex: 1; }
header label { display: flex; align-items: center; gap: 6px; color: #d0d5dd; white-space: nowrap; }
header .header-note { color: #98a2b3; font-size: 12px; white-space: nowrap; }
#find { display: flex; gap: 6px; flex: 0 1 320px; min-width: 160px; }
#find input { flex: 1; min-width: 0; }
main { padding: 16px 20px 40px; display: grid; grid-template-columns: minmax(0, 1fr); gap: 16px; max-width: 1400px; margin: 0 auto; }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; }
.panel h2 { font-size: 15px; margin: 0 0 10px; }
.banner { background: #fef3f2; border: 1px solid #fda29b; color: #912018; padding: 8px 12px; border-radius: 6px; }
#stranded, #unserved { margin-bottom: 8px; }
button.fork { margin-top: 8px; }
.notice { background: #ecfdf3; border: 1px solid #75e0a7; color: #05603a; padding: 8px 12px; border-radius: 6px; }
.counts { display: grid; grid-template-columns: repeat(6, minmax(110px, 1fr)); gap: 10px; }
.count { background: var(--panel); border: 1px solid var(--line); border-left: 4px solid var(--muted); border-radius: 8px;
  padding: 10px 12px; cursor: pointer; text-align: left; font: inherit; color: inherit; }
.count:hover { border-color: var(--accent); }
.count .value { display: block; font-size: 26px; font-weight: 600; }
.count .label { color: var(--muted); text-transform: capitalize; }
.count.pending { border-left-color: var(--pending); } .count.running { border-left-color: var(--running); }
.count.sleeping { border-left-color: var(--sleeping); } .count.completed { border-left-color: var(--completed); }
.count.failed { border-left-color: var(--failed); } .count.cancelled { border-left-color: var(--cancelled); }
.row { display: grid; grid-template-columns: minmax(0, 2fr) minmax(0, 1fr); gap: 16px; align-items: start; }
.row.split { grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); }
#chart svg { width: 100%; height: 180px; display: block; }
#chart text { fill: var(--muted); font-size: 11px; }
.legend { display: flex; flex-wrap: wrap; gap: 12px; margin-top: 6px; color: var(--muted); font-size: 12px; }
.legend .swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 4px; vertical-align: -1px; }
.swatch.c0 { background: #2f6feb; } .swatch.c1 { background: #d92d20; } .swatch.c2 { background: #1f9d55; }
.swatch.c3 { background: #f79009; } .swatch.c4 { background: #8a63d2; } .swatch.c5 { background: #0e9aa7; }
form.filters { display: flex; flex-wrap: wrap; gap: 8px; align-items: end; margin-bottom: 10px; }
form.filters label { display: grid; gap: 2px; color: var(--muted); font-size: 12px; }
input, select, button { font: inherit; padding: 5px 8px; border: 1px solid #d0d5dd; border-radius: 6px; background: #fff; color: var(--text); }
button { cursor: pointer; }
button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
button.danger { background: #fff; border-color: var(--failed); color: var(--failed); }
button.danger.armed { background: var(--failed); color: #fff; }
button:disabled { opacity: .5; cursor: default; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 500; font-size: 12px; }
#list tbody tr { cursor: pointer; }
#list tbody tr:hover { background: #f2f4f7; }
#list tbody tr.selected { background: #eef4ff; }
td.mono, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
.mono:not(td) { overflow-wrap: anywhere; }
.status { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; color: #fff; background: var(--muted); }
.status.pending { background: var(--pending); } .status.running { background: var(--running); }
.status.sleeping { background: var(--sleeping); } .status.completed { background: var(--completed); }
.status.failed { background: var(--failed); } .status.cancelled { background: var(--cancelled); }
.status.retrying { background: #f79009; }
.detail-head { display: flex; align-items: center; gap: 10px; flex-wrap: wrap; margin-bottom: 10px; }
.detail-head h2 { margin: 0; }
.detail-head .spacer { flex: 1; }
dl.info { display: grid; grid-template-columns: max-content minmax(0, 1fr) max-content minmax(0, 1fr); gap: 4px 14px; margin: 0 0 12px; }
dl.info dt { color: var(--muted); }
dl.info dd { margin: 0; min-width: 0; }
dl.info dd.clip { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.error-box { border: 1px solid #fda29b; background: #fef3f2; border-radius: 6px; padding: 10px 12px; margin-bottom: 12px; }
.error-box .error-title { font-weight: 600; color: #912018; }
pre { background: #f2f4f7; border-radius: 6px; padding: 8px 10px; overflow: auto; max-height: 260px; margin: 6px 0 0; font-size: 12px; }
h3 { font-size: 13px; margin: 14px 0 6px; color: #344054; }
.timeline { list-style: none; margin: 0; padding: 0 0 0 14px; border-left: 2px solid var(--line); }
.timeline li { position: relative; padding: 3px 0 3px 10px; }
.timeline li::before { content: ""; position: absolute; left: -20px; top: 9px; width: 10px; height: 10px; border-radius: 50%; background: var(--muted); }
.timeline li.ok::before { background: var(--completed); } .timeline li.bad::before { background: var(--failed); }
.timeline li.warn::before { background: #f79009; }
.timeline .at { color: var(--muted); font-size: 12px; margin-right: 6px; }
.timeline .type { font-weight: 600; margin-right: 6px; }
.muted { color: var(--muted); }
.nowrap { white-space: nowrap; }
.empty { color: var(--muted); padding: 8px 0; }
/* Tables that keep their columns whatever their cells hold: long ids and names are cut, whole in the tooltip. */
table.fixed { table-layout: fixed; }
td.clip { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
td.num, th.num { text-align: right; }
col.c-id { width: 24%; } col.c-name { width: 20%; } col.c-queue { width: 13%; } col.c-status { width: 86px; }
col.c-attempts { width: 64px; } col.c-date { width: 140px; } col.c-pick { width: 32px; } col.c-key { width: 28%; }
ul.streams { list-style: none; padding: 0; margin: 0 0 8px; display: grid; gap: 4px; }
.stream-live { border: 1px solid var(--line); border-radius: 6px; padding: 8px; margin-bottom: 8px; }
.stream-live[hidden] { display: none; }
.stream-head { display: flex; align-items: center; gap: 8px; margin-bottom: 6px; }
.stream-head .spacer { flex: 1; }
#stream-output { max-height: 260px; overflow: auto; white-space: pre-wrap; overflow-wrap: anywhere; margin: 0; }
.bulk-bar { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; margin-bottom: 10px; padding: 6px 10px; background: #eef4ff; border-radius: 6px; }
.bulk-bar[hidden] { display: none; } .bulk-bar #bulk-count { font-weight: 600; margin-right: 4px; }
td.date { font-size: 12px; white-space: nowrap; }
#queues col.c-queue { width: 34%; }
.pager { display: flex; align-items: center; gap: 10px; margin-top: 10px; }
/* Activity over the last hour */
.activity-summary { display: flex; flex-wrap: wrap; gap: 6px 22px; margin: 0 0 8px; }
.activity-summary .stat { display: flex; align-items: baseline; gap: 6px; }
.activity-summary dt { color: var(--muted); font-size: 12px; }
.activity-summary dd { margin: 0; font-weight: 600; font-size: 16px; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(280px, 1fr)); gap: 16px; }
.charts figure { margin: 0; min-width: 0; }
.charts figcaption { color: #344054; font-size: 12px; font-weight: 600; margin-bottom: 2px; }
.charts svg { width: 100%; height: auto; display: block; }
.charts .axis, .charts text { fill: var(--muted); font-size: 10px; }
.charts .bar.completed { fill: var(--completed); } .charts .bar.failed { fill: var(--failed); } .charts .bar.cancelled { fill: var(--cancelled); }
.charts .line { fill: none; stroke-width: 1.6; stroke-linejoin: round; }
.charts .line.p50 { stroke: var(--accent); } .charts .line.p95 { stroke: #f79009; }
.charts .dot.p50 { fill: var(--accent); } .charts .dot.p95 { fill: #f79009; }
.charts .hover { fill: transparent; } .charts .hover:hover { fill: rgba(16, 24, 40, .06); }
.swatch.completed { background: var(--completed); } .swatch.failed { background: var(--failed); } .swatch.cancelled { background: var(--cancelled); }
.swatch.p50 { background: var(--accent); } .swatch.p95 { background: #f79009; }
.legend-item { max-width: 100%; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
/* A workflow's steps as a waterfall */
.detail-head h2 { overflow-wrap: anywhere; min-width: 0; }
.hint { font-weight: 400; font-size: 12px; }
col.c-pos { width: 34px; } col.c-step { width: 26%; } col.c-step-status { width: 150px; } col.c-bar { width: auto; }
#steps col.c-attempts { width: 66px; }
#steps tr.step { cursor: pointer; }
#steps tr.step:hover, #steps tr.step[aria-expanded="true"] { background: #f2f4f7; }
#steps .kind, #steps .retried { display: block; color: var(--muted); font-size: 11px; font-family: system-ui, sans-serif; }
#steps .wakes { display: block; color: var(--muted); font-size: 11px; margin-top: 2px; }
.axis-head { display: flex; justify-content: space-between; font-weight: 400; }
.bar-cell { position: relative; }
.track { position: relative; height: 14px; background: #f2f4f7; border-radius: 3px; margin-top: 3px; }
.seg { position: absolute; top: 0; bottom: 0; min-width: 2px; border-radius: 2px; }
.seg.run, .swatch.seg-run { background: var(--accent); }
.seg.failed, .swatch.seg-failed { background: var(--failed); }
.seg.backoff, .swatch.seg-backoff { background: repeating-linear-gradient(45deg, #f79009 0 3px, #fde3bd 3px 6px); }
.seg.timer, .swatch.seg-timer { background: var(--sleeping); }
.seg.wait, .swatch.seg-wait { background: #b692f6; }
.seg.ahead { opacity: .45; }
.seg.open { border-right: 2px dashed #101828; }
.now-line { position: absolute; top: -3px; bottom: -3px; width: 0; border-left: 2px solid #101828; }
.took { display: block; color: var(--muted); font-size: 11px; margin-top: 2px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
td.step-io { background: #fcfcfd; }
td.step-io h4 { margin: 4px 0 0; font-size: 12px; color: #344054; }
td.step-io p { margin: 4px 0 0; font-size: 12px; }
ul.retries { margin: 4px 0 0; padding-left: 18px; font-size: 12px; }
.waterfall-legend { margin-top: 8px; }
@media (max-width: 900px) {
  .counts { grid-template-columns: repeat(3, 1fr); }
  /* minmax(0, …): a long line in a <pre> scrolls inside its panel instead of widening the page. */
  .row, .row.split { grid-template-columns: minmax(0, 1fr); }
}
`;
