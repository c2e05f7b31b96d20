/**
 * The dashboard's script, served as `dashboard.js`. Plain browser JavaScript, no build step and no
 * dependencies. Every request goes to a relative URL (`api/...`), so it works under any mount path.
 * Data is inserted with `textContent` only, never as HTML. (Kept free of backticks: it lives in a template.)
 */
export const DASHBOARD_JS = String.raw`(function () {
  'use strict';
  var READ_ONLY = document.body.getAttribute('data-read-only') === 'true';
  var POLL_MS = 2000;
  var MAX_SAMPLES = 90; // 3 minutes of queue depth at one sample every 2 s
  var STATUSES = ['pending', 'running', 'sleeping', 'completed', 'failed', 'cancelled'];
  var FINISHED = ['completed', 'failed', 'cancelled'];
  var COLORS = ['#2f6feb', '#d92d20', '#1f9d55', '#f79009', '#8a63d2', '#0e9aa7'];
  var SVG = 'http://www.w3.org/2000/svg';
  var state = { filters: { status: '', name: '', queue: '', limit: '100' }, selected: null, samples: [], busy: false, listSeq: 0, detail: null };
  var $ = function (id) { return document.getElementById(id); };

  function h(tag, className, text) {
    var el = document.createElement(tag);
    if (className) el.className = className;
    if (text !== undefined && text !== null) el.textContent = String(text);
    return el;
  }
  function svg(tag, attrs) {
    var el = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (k) { el.setAttribute(k, String(attrs[k])); });
    return el;
  }
  function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); return el; }
  function pad(n, w) { n = String(n); while (n.length < (w || 2)) n = '0' + n; return n; }
  function time(iso) {
    if (!iso) return '–';
    var d = new Date(iso);
    return pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds()) + '.' + pad(d.getMilliseconds(), 3);
  }
  function dateTime(iso) { return iso ? new Date(iso).toLocaleString() : '–'; }
  function short(iso) {
    if (!iso) return '–';
    var d = new Date(iso);
    return d.toDateString() === new Date().toDateString() ? time(iso).slice(0, 8) : d.toLocaleDateString() + ' ' + time(iso).slice(0, 5);
  }
  function offset(iso, from) {
    if (!iso || !from) return '';
    var ms = new Date(iso).getTime() - new Date(from).getTime();
    return ms < 1000 ? '+' + ms + ' ms' : '+' + (ms / 1000).toFixed(ms < 10000 ? 2 : 1) + ' s';
  }
  function json(value) { return value === null || value === undefined ? '–' : JSON.stringify(value, null, 2); }

  function api(path, method) {
    var init = { method: method || 'GET', credentials: 'same-origin', headers: { Accept: 'application/json' } };
    if (method === 'POST') init.headers['X-Steadfast-CSRF'] = '1';
    return fetch(path, init).then(function (res) {
      return res.json().catch(function () { return null; }).then(function (body) {
        if (!res.ok) {
          var err = new Error((body && body.error && body.error.message) || ('HTTP ' + res.status));
          err.status = res.status;
          throw err;
        }
        return body;
      });
    });
  }
  function banner(message) { var b = $('banner'); b.textContent = message || ''; b.hidden = !message; }
  function notice(message) {
    var n = $('notice'); n.textContent = message; n.hidden = false;
    clearTimeout(notice.timer);
    notice.timer = setTimeout(function () { n.hidden = true; }, 4000);
  }

  // ---- stats: counts, queue-depth chart, queues table ----------------------------------------------
  function renderStats(stats) {
    STATUSES.forEach(function (s) {
      var card = document.querySelector('#counts [data-status="' + s + '"] .value');
      card.textContent = String(stats.byStatus[s] || 0);
    });
    var queues = {};
    stats.counts.forEach(function (row) { (queues[row.queue] = queues[row.queue] || { due: 0 })[row.status] = row.count; });
    stats.due.forEach(function (row) { (queues[row.queue] = queues[row.queue] || {}).due = row.count; });
    var due = {};
    Object.keys(queues).forEach(function (q) { due[q] = queues[q].due || 0; });
    state.samples.push({ at: Date.now(), due: due });
    if (state.samples.length > MAX_SAMPLES) state.samples.shift();
    renderChart();
    var body = clear(document.querySelector('#queues tbody'));
    Object.keys(queues).sort().forEach(function (q) {
      var tr = h('tr');
      tr.appendChild(h('td', 'mono', q));
      ['due', 'pending', 'running', 'sleeping', 'failed'].forEach(function (k) { tr.appendChild(h('td', '', queues[q][k] || 0)); });
      body.appendChild(tr);
    });
    if (!body.firstChild) { var tr = h('tr'); var td = h('td', 'empty', 'No workflows yet.'); td.colSpan = 6; tr.appendChild(td); body.appendChild(tr); }
  }

  function renderChart() {
    var W = 600, H = 180, L = 36, R = 10, T = 10, B = 22;
    var samples = state.samples, queues = {};
    samples.forEach(function (s) { Object.keys(s.due).forEach(function (q) { queues[q] = true; }); });
    var names = Object.keys(queues).sort();
    var max = 1;
    samples.forEach(function (s) { names.forEach(function (q) { max = Math.max(max, s.due[q] || 0); }); });
    max = max <= 5 ? Math.max(max, 1) : Math.ceil(max / 5) * 5;
    // The time axis grows with the samples kept, from 30 s up to the whole window.
    var now = samples.length ? samples[samples.length - 1].at : Date.now();
    var span = Math.min(MAX_SAMPLES * POLL_MS, Math.max(30000, samples.length ? now - samples[0].at : 0));
    var x = function (at) { return L + (W - L - R) * Math.max(0, 1 - (now - at) / span); };
    var y = function (v) { return T + (H - T - B) * (1 - v / max); };
    var root = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-label': 'Queue depth over time' });
    [0, max / 2, max].forEach(function (v) {
      root.appendChild(svg('line', { x1: L, x2: W - R, y1: y(v), y2: y(v), 'class': 'axis' }));
      var label = svg('text', { x: L - 6, y: y(v) + 4, 'text-anchor': 'end' });
      label.textContent = String(Math.round(v * 10) / 10);
      root.appendChild(label);
    });
    var left = svg('text', { x: L, y: H - 6 }); left.textContent = span < 90000 ? '-' + Math.round(span / 1000) + ' s' : '-' + Math.round(span / 60000) + ' min'; root.appendChild(left);
    var right = svg('text', { x: W - R, y: H - 6, 'text-anchor': 'end' }); right.textContent = 'now'; root.appendChild(right);
    var legend = clear($('chart-legend'));
    names.forEach(function (q, i) {
      var color = COLORS[i % COLORS.length];
      var points = samples.map(function (s) { return x(s.at).toFixed(1) + ',' + y(s.due[q] || 0).toFixed(1); });
      root.appendChild(svg('polyline', { points: points.join(' '), fill: 'none', stroke: color, 'stroke-width': 2, 'stroke-linejoin': 'round', 'data-queue': q }));
      var last = samples[samples.length - 1];
      root.appendChild(svg('circle', { cx: x(last.at), cy: y(last.due[q] || 0), r: 3, fill: color }));
      var item = h('span'); item.appendChild(h('span', 'swatch c' + (i % COLORS.length)));
      item.appendChild(document.createTextNode(q + ': ' + (last.due[q] || 0) + ' due'));
      legend.appendChild(item);
    });
    if (!names.length) legend.appendChild(h('span', '', 'no queues yet'));
    clear($('chart')).appendChild(root);
  }

  // ---- workflow list ---------------------------------------------------------------------------------
  function listQuery() {
    var p = new URLSearchParams();
    Object.keys(state.filters).forEach(function (k) { if (state.filters[k]) p.set(k, state.filters[k]); });
    return 'api/workflows?' + p.toString();
  }
  function loadList() {
    var seq = ++state.listSeq;
    return api(listQuery()).then(function (body) {
      if (seq !== state.listSeq) return;
      var tbody = clear(document.querySelector('#list tbody'));
      body.workflows.forEach(function (w) {
        var tr = h('tr');
        tr.setAttribute('data-id', w.id);
        if (w.id === state.selected) tr.className = 'selected';
        tr.appendChild(h('td', 'mono', w.id));
        tr.appendChild(h('td', '', w.name));
        tr.appendChild(h('td', 'mono nowrap', w.queue));
        var st = h('td'); st.appendChild(h('span', 'status ' + w.status, w.status)); tr.appendChild(st);
        tr.appendChild(h('td', '', w.attempts));
        var updated = h('td', 'muted nowrap', short(w.updatedAt)); updated.title = dateTime(w.updatedAt); tr.appendChild(updated);
        tr.addEventListener('click', function () { select(w.id); });
        tbody.appendChild(tr);
      });
      $('list-empty').hidden = body.workflows.length > 0;
    });
  }

  // ---- one workflow: info, error, steps, timeline ----------------------------------------------------
  function loadDetail(id) {
    return api('api/workflows/' + encodeURIComponent(id)).then(function (body) {
      if (id === state.selected) renderDetail(body);
    }, function (err) {
      if (err.status === 404 && id === state.selected) { select(null); notice('Workflow ' + id + ' no longer exists.'); return; }
      throw err;
    });
  }
  function renderDetail(body) {
    var w = body.workflow;
    state.detail = w;
    $('detail').hidden = false;
    $('detail-title').textContent = w.name;
    var status = $('detail-status'); status.className = 'status ' + w.status; status.textContent = w.status;
    $('detail-id').textContent = w.id;
    var info = clear($('detail-info'));
    [['queue', w.queue], ['kind', w.kind], ['attempts', w.attempts], ['recoveries', w.recoveryAttempts],
     ['priority', w.priority], ['version', w.version || '–'], ['created', dateTime(w.createdAt)], ['started', dateTime(w.startedAt)],
     ['updated', dateTime(w.updatedAt)], ['finished', dateTime(w.finishedAt)], ['next at', dateTime(w.nextAt)], ['parent', w.parentId || '–']]
      .forEach(function (pair) { info.appendChild(h('dt', '', pair[0])); info.appendChild(h('dd', '', pair[1])); });
    var e = w.error;
    $('detail-error').hidden = !e;
    if (e) {
      $('error-name').textContent = e.name || 'Error';
      $('error-message').textContent = e.message || '';
      $('error-code').textContent = e.code ? '(' + e.code + ')' : '';
      var stack = e.stack || '', cause = e.cause;
      while (cause && typeof cause === 'object') { stack += '\nCaused by: ' + (cause.stack || (cause.name + ': ' + cause.message)); cause = cause.cause; }
      $('error-stack').textContent = stack || '(no stack)';
    }
    var retry = $('retry'), cancel = $('cancel');
    retry.hidden = READ_ONLY || w.status !== 'failed';
    cancel.hidden = READ_ONLY || FINISHED.indexOf(w.status) >= 0;
    if (cancel.hidden) disarm();
    var steps = clear(document.querySelector('#steps tbody'));
    body.steps.forEach(function (s) {
      var tr = h('tr');
      tr.appendChild(h('td', '', s.position));
      tr.appendChild(h('td', 'mono', s.name || '–'));
      tr.appendChild(h('td', '', s.kind || '–'));
      var st = h('td'); st.appendChild(h('span', 'status ' + s.status, s.status)); tr.appendChild(st);
      tr.appendChild(h('td', '', s.attempts + (s.retries.length ? ' (' + s.retries.length + ' retried)' : '')));
      tr.appendChild(h('td', 'muted', time(s.lastAt) + ' ' + offset(s.lastAt, w.createdAt)));
      steps.appendChild(tr);
      s.retries.forEach(function (r) {
        var sub = h('tr'), td = h('td', 'muted'); td.colSpan = 6;
        td.textContent = '↳ attempt ' + r.attempt + ' failed at ' + time(r.at) + (r.error ? ': ' + r.error.name + ': ' + r.error.message : '') +
          (r.retryAt ? ' — retry at ' + time(r.retryAt) : '');
        sub.appendChild(td); steps.appendChild(sub);
      });
    });
    if (!body.steps.length) { var tr = h('tr'); var td = h('td', 'empty', 'No steps recorded yet.'); td.colSpan = 6; tr.appendChild(td); steps.appendChild(tr); }
    var timeline = clear($('timeline'));
    body.history.forEach(function (ev) {
      var kind = /failed|cancelled/.test(ev.type) ? 'bad' : /retry|recovered|released/.test(ev.type) ? 'warn' : /completed|claimed|woke|created/.test(ev.type) ? 'ok' : '';
      var li = h('li', kind);
      li.setAttribute('data-type', ev.type);
      li.appendChild(h('span', 'at', time(ev.at) + ' ' + offset(ev.at, w.createdAt)));
      li.appendChild(h('span', 'type', ev.type));
      if (ev.step !== null) li.appendChild(h('span', 'muted', 'step ' + ev.step + ' '));
      li.appendChild(h('span', '', describeData(ev.data)));
      timeline.appendChild(li);
    });
    $('detail-args').textContent = json(w.args);
    $('detail-output').textContent = w.status === 'completed' ? json(w.output) : '–';
    document.querySelectorAll('#list tbody tr').forEach(function (tr) { tr.className = tr.getAttribute('data-id') === w.id ? 'selected' : ''; });
  }
  function describeData(data) {
    if (!data || typeof data !== 'object') return '';
    var parts = [];
    if (data.name) parts.push(String(data.name));
    if (data.kind) parts.push('(' + data.kind + ')');
    if (data.attempts) parts.push(data.attempts + (data.attempts === 1 ? ' attempt' : ' attempts'));
    if (data.attempt) parts.push('attempt ' + data.attempt);
    if (typeof data.retryAt === 'string') parts.push('retry at ' + time(data.retryAt));
    if (typeof data.wakeAt === 'string') parts.push('wake at ' + time(data.wakeAt));
    if (data.error && typeof data.error === 'object') parts.push('— ' + (data.error.name || 'Error') + ': ' + (data.error.message || ''));
    return parts.join(' ');
  }

  // ---- actions -----------------------------------------------------------------------------------------
  function act(action, button) {
    var id = state.selected;
    if (!id) return;
    button.disabled = true;
    api('api/workflows/' + encodeURIComponent(id) + '/' + action, 'POST').then(function (body) {
      notice((action === 'retry' ? 'Retry requested' : 'Cancelled') + ': ' + id + ' is now ' + body.workflow.status + '.');
      banner('');
      [0, 300, 1000].forEach(function (ms) { setTimeout(refresh, ms); });
    }, function (err) {
      banner('Could not ' + action + ' ' + id + ': ' + err.message);
    }).then(function () { button.disabled = false; });
  }
  function disarm() { var c = $('cancel'); c.classList.remove('armed'); c.textContent = 'Cancel'; clearTimeout(disarm.timer); }
  $('retry').addEventListener('click', function () { act('retry', $('retry')); });
  $('cancel').addEventListener('click', function () {
    var c = $('cancel');
    if (!c.classList.contains('armed')) {
      c.classList.add('armed'); c.textContent = 'Confirm cancel';
      disarm.timer = setTimeout(disarm, 4000);
      return;
    }
    disarm();
    act('cancel', c);
  });
  $('close-detail').addEventListener('click', function () { select(null); });

  // ---- filters, selection and the URL fragment ---------------------------------------------------------
  function readHash() {
    var p = new URLSearchParams(location.hash.slice(1));
    Object.keys(state.filters).forEach(function (k) { state.filters[k] = p.get(k) || (k === 'limit' ? '100' : ''); });
    state.selected = p.get('wf');
    var form = $('filters');
    Object.keys(state.filters).forEach(function (k) { form.elements[k].value = state.filters[k]; });
    if (!state.selected) $('detail').hidden = true;
  }
  function writeHash() {
    var p = new URLSearchParams();
    Object.keys(state.filters).forEach(function (k) { if (state.filters[k] && !(k === 'limit' && state.filters[k] === '100')) p.set(k, state.filters[k]); });
    if (state.selected) p.set('wf', state.selected);
    var hash = p.toString();
    history.replaceState(null, '', hash ? '#' + hash : location.pathname + location.search);
  }
  function select(id) {
    state.selected = id;
    disarm();
    writeHash();
    if (!id) { $('detail').hidden = true; document.querySelectorAll('#list tbody tr.selected').forEach(function (tr) { tr.className = ''; }); return; }
    loadDetail(id).catch(function (err) { banner('Could not load ' + id + ': ' + err.message); });
  }
  $('filters').addEventListener('submit', function (event) {
    event.preventDefault();
    var form = $('filters');
    Object.keys(state.filters).forEach(function (k) { state.filters[k] = form.elements[k].value.trim(); });
    writeHash();
    loadList().catch(function (err) { banner('Could not list workflows: ' + err.message); });
  });
  $('clear-filters').addEventListener('click', function () {
    var form = $('filters');
    ['status', 'name', 'queue'].forEach(function (k) { form.elements[k].value = ''; });
    form.requestSubmit();
  });
  document.querySelectorAll('#counts .count').forEach(function (card) {
    card.addEventListener('click', function () { $('filters').elements.status.value = card.getAttribute('data-status'); $('filters').requestSubmit(); });
  });
  window.addEventListener('hashchange', function () { readHash(); refresh(); });

  // ---- refresh loop --------------------------------------------------------------------------------------
  function refresh() {
    if (state.busy) { state.again = true; return; }
    state.busy = true;
    var jobs = [api('api/stats').then(renderStats), loadList()];
    if (state.selected) jobs.push(loadDetail(state.selected));
    Promise.allSettled(jobs).then(function (results) {
      var failed = results.filter(function (r) { return r.status === 'rejected'; });
      if (failed.length) {
        var err = failed[0].reason;
        banner(err.status === 401 ? 'Not authorized (401): sign in again.' : 'Refresh failed: ' + err.message + ' (retrying)');
      } else {
        banner('');
      }
      $('refresh-state').textContent = (failed.length ? 'failed at ' : 'updated ') + time(new Date().toISOString());
      state.busy = false;
      if (state.again) { state.again = false; refresh(); }
    });
  }
  $('refresh-now').addEventListener('click', refresh);
  setInterval(function () {
    if ($('auto-refresh').checked && document.visibilityState !== 'hidden') refresh();
  }, POLL_MS);
  readHash();
  refresh();
})();
`;
