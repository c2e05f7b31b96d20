/** What the dashboard page needs to know about its router. */
export interface DashboardPageOptions {
  /** Hide Retry and Cancel: the router refuses mutations. */
  readOnly: boolean;
}

const STATUSES = ['pending', 'running', 'sleeping', 'completed', 'failed', 'cancelled'];

/**
 * The dashboard's HTML. Every URL in it is relative (`dashboard.css`, `dashboard.js`, and `api/...` in the
 * script), so the page works wherever the router is mounted, as long as it is loaded with a trailing slash
 * (the router redirects `/prefix` to `/prefix/`). No external resources: the page works on a closed network.
 */
export function renderDashboardPage(options: DashboardPageOptions): string {
  const countCards = STATUSES.map(
    (s) => `<button type="button" class="count ${s}" data-status="${s}" title="Show ${s} workflows"><span class="value">–</span><span class="label">${s}</span></button>`,
  ).join('\n      ');
  const statusOptions = STATUSES.map((s) => `<option value="${s}">${s}</option>`).join('');
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
    <span class="spacer"></span>
    <span id="refresh-state">loading…</span>
    <label><input type="checkbox" id="auto-refresh" checked> auto-refresh</label>
    <button type="button" id="refresh-now">Refresh</button>
  </header>
  <main>
    <div id="banner" class="banner" role="alert" hidden></div>
    <div id="notice" class="notice" role="status" hidden></div>
    <section class="counts" id="counts" aria-label="Workflows by status">
      ${countCards}
    </section>
    <div class="row">
      <section class="panel">
        <h2>Queue depth (due, not yet claimed)</h2>
        <div id="chart"></div>
        <div class="legend" id="chart-legend"></div>
      </section>
      <section class="panel">
        <h2>Queues</h2>
        <table id="queues">
          <thead><tr><th>queue</th><th>due</th><th>pending</th><th>running</th><th>sleeping</th><th>failed</th></tr></thead>
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
          <label>limit<select name="limit"><option>25</option><option selected>100</option><option>500</option></select></label>
          <button type="submit" class="primary">Apply</button>
          <button type="button" id="clear-filters">Clear</button>
        </form>
        <table id="list">
          <thead><tr><th>id</th><th>name</th><th>queue</th><th>status</th><th>attempts</th><th>updated</th></tr></thead>
          <tbody></tbody>
        </table>
        <p class="empty" id="list-empty" hidden>No workflows match these filters.</p>
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
        <h3>Steps</h3>
        <table id="steps">
          <thead><tr><th>#</th><th>step</th><th>kind</th><th>status</th><th>attempts</th><th>last event</th></tr></thead>
          <tbody></tbody>
        </table>
        <h3>Timeline</h3>
        <ol class="timeline" id="timeline"></ol>
        <h3>Arguments</h3>
        <pre id="detail-args"></pre>
        <h3>Result</h3>
        <pre id="detail-output"></pre>
      </section>
    </div>
  </main>
  <script src="dashboard.js"></script>
</body>
</html>
`;
}
