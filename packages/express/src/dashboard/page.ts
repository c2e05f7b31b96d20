import { WORKFLOW_STATUSES } from '@steadfast/core';

/** What the dashboard page needs to know about its router. */
export interface DashboardPageOptions {
  /** Hide Retry, Cancel and the selection's bulk actions: the router refuses mutations. */
  readOnly: boolean;
}

/** What to do with the workflows ticked in the list (hidden until one is); each asks for confirmation with the count it would change. */
const BULK_BAR = `<div class="bulk-bar" id="bulk-bar" hidden>
          <span id="bulk-count"></span>
          <button type="button" class="primary" id="bulk-retry">Retry selected</button>
          <button type="button" class="danger" id="bulk-cancel">Cancel selected</button>
          <button type="button" class="danger" id="bulk-purge">Delete selected</button>
          <button type="button" id="bulk-clear">Clear selection</button>
        </div>`;

/**
 * The dashboard's HTML. Every URL in it is relative (`dashboard.css`, `dashboard.js`, and `api/...` in the
 * script), so the page works wherever the router is mounted, as long as it is loaded with a trailing slash
 * (the router redirects `/prefix` to `/prefix/`). No external resources: the page works on a closed network.
 */
export function renderDashboardPage(options: DashboardPageOptions): string {
  const countCards = WORKFLOW_STATUSES.map(
    (s) => `<button type="button" class="count ${s}" data-status="${s}" title="Show ${s} workflows"><span class="value">–</span><span class="label">${s}</span></button>`,
  ).join('\n      ');
  const statusOptions = WORKFLOW_STATUSES.map((s) => `<option value="${s}">${s}</option>`).join('');
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Steadfast</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="dashboard.css">
</head>
<body data-read-only="${options.readOnly ? 'true' : 'false'}">
  <header>
    <h1>Steadfast</h1>
    ${options.readOnly ? '<span class="status cancelled" id="read-only">read-only</span>' : ''}
    <form id="find" role="search" autocomplete="off">
      <input name="id" placeholder="Find a workflow by id" aria-label="Workflow id" spellcheck="false">
      <button type="submit">Open</button>
    </form>
    <span class="spacer"></span>
    <span id="zone" class="header-note"></span>
    <span id="refresh-state" class="header-note">loading…</span>
    <label><input type="checkbox" id="auto-refresh" checked> auto-refresh</label>
    <button type="button" id="refresh-now">Refresh</button>
  </header>
  <main>
    <div id="banner" class="banner" role="alert" hidden></div>
    <div id="notice" class="notice" role="status" hidden></div>
    <section id="unserved" class="banner" role="alert" aria-label="Queues no worker serves" hidden>
      <strong>Unserved queues:</strong> <span id="unserved-text"></span>
    </section>
    <section id="stranded" class="banner" role="alert" aria-label="Runs stranded by version" hidden>
      <strong>Stranded by version:</strong> <span id="stranded-text"></span>
    </section>
    <section class="counts" id="counts" aria-label="Workflows by status">
      ${countCards}
    </section>
    <section class="panel" id="activity" aria-labelledby="activity-title">
      <h2 id="activity-title">Last hour, from the stored runs</h2>
      <dl class="activity-summary" id="activity-summary"></dl>
      <div class="charts">
        <figure id="chart-throughput"></figure>
        <figure id="chart-failure-rate"></figure>
        <figure id="chart-latency"></figure>
      </div>
    </section>
    <div class="row">
      <section class="panel">
        <h2>Queue depth (due, not yet claimed), since this page opened</h2>
        <div id="chart"></div>
        <div class="legend" id="chart-legend"></div>
      </section>
      <section class="panel">
        <h2>Queues</h2>
        <table id="queues" class="fixed">
          <colgroup><col class="c-queue"><col><col><col><col><col></colgroup>
          <thead><tr><th>queue</th><th class="num">due</th><th class="num">pending</th><th class="num">running</th><th class="num">sleeping</th><th class="num">failed</th></tr></thead>
          <tbody></tbody>
        </table>
      </section>
    </div>
    <div class="row split">
      <section class="panel">
        <h2>Workflows</h2>
        <form class="filters" id="filters">
          <label>status<select name="status"><option value="">any</option>${statusOptions}</select></label>
          <label>name<input name="name" placeholder="exact name" autocomplete="off"></label>
          <label>queue<input name="queue" placeholder="exact queue" autocomplete="off"></label>
          <label>per page<select name="limit"><option>25</option><option selected>100</option><option>500</option></select></label>
          <button type="submit" class="primary">Apply</button>
          <button type="button" id="clear-filters">Clear</button>
        </form>
        ${options.readOnly ? '' : BULK_BAR}
        <table id="list" class="fixed">
          <colgroup>${options.readOnly ? '' : '<col class="c-pick">'}<col class="c-id"><col class="c-name"><col class="c-queue"><col class="c-status"><col class="c-attempts"><col class="c-date"></colgroup>
          <thead><tr>${options.readOnly ? '' : '<th><input type="checkbox" id="pick-page" aria-label="Select every workflow on this page"></th>'}<th>id</th><th>name</th><th>queue</th><th>status</th><th class="num">attempts</th><th>updated</th></tr></thead>
          <tbody></tbody>
        </table>
        <p class="empty" id="list-empty" hidden>No workflows match these filters.</p>
        <nav class="pager" aria-label="Pages">
          <button type="button" id="page-newer" disabled>← Newer</button>
          <span id="page-label" class="muted">page 1</span>
          <button type="button" id="page-older" disabled>Older →</button>
        </nav>
      </section>
      <section class="panel" id="detail" hidden>
        <div class="detail-head">
          <h2 id="detail-title">Workflow</h2>
          <span class="status" id="detail-status"></span>
          <span class="spacer"></span>
          <button type="button" class="primary" id="retry" hidden>Retry</button>
          <button type="button" class="danger" id="cancel" hidden>Cancel</button>
          <button type="button" id="close-detail">Close</button>
        </div>
        <div class="mono" id="detail-id"></div>
        <dl class="info" id="detail-info"></dl>
        <div class="error-box" id="detail-error" hidden>
          <div class="error-title"><span id="error-name"></span>: <span id="error-message"></span> <span class="muted" id="error-code"></span></div>
          <pre id="error-stack"></pre>
        </div>
        <h3>Steps <span class="muted hint">(click a step for its input and output)</span></h3>
        <table id="steps" class="fixed">
          <colgroup><col class="c-pos"><col class="c-step"><col class="c-step-status"><col class="c-attempts"><col class="c-bar"></colgroup>
          <thead><tr><th class="num">#</th><th>step</th><th>status</th><th class="num">attempts</th><th><div class="axis-head" id="steps-axis"></div></th></tr></thead>
          <tbody></tbody>
        </table>
        <div class="legend waterfall-legend">
          <span class="legend-item"><span class="swatch seg-run"></span>ran</span>
          <span class="legend-item"><span class="swatch seg-failed"></span>failed attempt</span>
          <span class="legend-item"><span class="swatch seg-backoff"></span>backoff before a retry</span>
          <span class="legend-item"><span class="swatch seg-timer"></span>timer (sleep, deadline)</span>
          <span class="legend-item"><span class="swatch seg-wait"></span>waiting (signal, child)</span>
        </div>
        <h3>Timeline</h3>
        <ol class="timeline" id="timeline"></ol>
        <h3>Events <span class="muted hint">(setEvent: the latest value of each)</span></h3>
        <table id="pub-events" class="fixed" hidden>
          <colgroup><col class="c-key"><col><col class="c-date"></colgroup>
          <thead><tr><th>key</th><th>value</th><th>set</th></tr></thead>
          <tbody></tbody>
        </table>
        <p class="empty" id="pub-events-empty">No events set.</p>
        <h3>Streams <span class="muted hint">(writeStream)</span></h3>
        <ul class="streams" id="pub-streams"></ul>
        <p class="empty" id="pub-streams-empty">No streams written.</p>
        <div class="stream-live" id="stream-live" hidden>
          <div class="stream-head"><span class="mono" id="stream-key"></span><span class="muted" id="stream-state"></span><span class="spacer"></span><button type="button" id="stream-stop">Stop</button></div>
          <pre id="stream-output"></pre>
        </div>
        <h3>Arguments</h3>
        <pre id="detail-args"></pre>
        <h3>Result</h3>
        <pre id="detail-output"></pre>
      </section>
    </div>
  </main>
  <script type="module" src="dashboard.js"></script>
</body>
</html>
`;
}
