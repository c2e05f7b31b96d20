/**
 * The dashboard's script (served as `dashboard.js`, an ES module, with the modules it imports beside it).
 * It polls the management API at relative URLs (`api/...`), so it works under any mount path, and inserts
 * data as text only. What the page shows is kept in the URL fragment (`#status=failed&wf=<id>`), so a view
 * can be reloaded and shared.
 */
import type { ActivityJson, StatsJson, WorkflowDetailJson } from '../../api-types.js';
import { renderActivity } from './activity-panel.js';
import { api, HttpError } from './api-client.js';
import { BulkActions } from './bulk-actions.js';
import { byId } from './dom.js';
import { dateTime, zoneLabel } from './format.js';
import { POLL_MS, StatsPanel } from './stats-panel.js';
import { WorkflowDetail } from './workflow-detail.js';
import { DEFAULT_LIMIT, FILTER_KEYS, WorkflowList } from './workflow-list.js';

const READ_ONLY = document.body.dataset.readOnly === 'true';
/** Activity covers an hour in minutes: reading it every 10 s is plenty, and spares the database. */
const ACTIVITY_EVERY_MS = 10_000;

const list = new WorkflowList((id) => select(id), !READ_ONLY);
const detail = new WorkflowDetail(READ_ONLY, (fromStep) => void fork(fromStep));
const stats = new StatsPanel();
const filters = byId<HTMLFormElement>('filters');
let busy = false;
let again = false;
let activityAt = 0;
let noticeTimer: ReturnType<typeof setTimeout> | undefined;
let disarmTimer: ReturnType<typeof setTimeout> | undefined;

function banner(message: string): void {
  const el = byId('banner');
  el.textContent = message;
  el.hidden = !message;
}

function notice(message: string): void {
  const el = byId('notice');
  el.textContent = message;
  el.hidden = false;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => (el.hidden = true), 6000);
}

// ---- one workflow ----------------------------------------------------------------------------------------

async function loadDetail(id: string): Promise<void> {
  try {
    const body = await api<WorkflowDetailJson>(`api/workflows/${encodeURIComponent(id)}`);
    if (id !== list.selected) return;
    detail.render(body);
    list.highlight();
  } catch (error) {
    if (error instanceof HttpError && error.status === 404 && id === list.selected) {
      select(null);
      notice(`There is no workflow with the id "${id}" (or it was purged).`);
      return;
    }
    throw error;
  }
}

function select(id: string | null): void {
  list.selected = id;
  disarm();
  writeHash();
  list.highlight();
  if (!id) {
    detail.published.stop();
    byId('detail').hidden = true;
    return;
  }
  loadDetail(id).catch((error: Error) => banner(`Could not load ${id}: ${error.message}`));
}

async function act(action: 'retry' | 'cancel', button: HTMLButtonElement): Promise<void> {
  const id = list.selected;
  if (!id) return;
  button.disabled = true;
  try {
    const body = await api<{ workflow: { status: string } }>(`api/workflows/${encodeURIComponent(id)}/${action}`, 'POST');
    notice(`${action === 'retry' ? 'Retry requested' : 'Cancelled'}: ${id} is now ${body.workflow.status}.`);
    banner('');
    for (const ms of [0, 300, 1000]) setTimeout(refresh, ms);
  } catch (error) {
    banner(`Could not ${action} ${id}: ${(error as Error).message}`);
  } finally {
    button.disabled = false;
  }
}

/** Starts a new run of the selected workflow from step `fromStep` (its earlier checkpoints reused), and shows it. */
async function fork(fromStep: number): Promise<void> {
  const id = list.selected;
  if (!id) return;
  try {
    const body = await api<{ workflow: { id: string; status: string } }>(`api/workflows/${encodeURIComponent(id)}/fork`, 'POST', { fromStep });
    notice(`Forked ${id} from step ${fromStep}: the new run ${body.workflow.id} is ${body.workflow.status}.`);
    banner('');
    select(body.workflow.id);
    for (const ms of [0, 300, 1000]) setTimeout(refresh, ms);
  } catch (error) {
    banner(`Could not fork ${id} from step ${fromStep}: ${(error as Error).message}`);
  }
}

/** Cancel asks to be clicked twice within 4 s. */
function disarm(): void {
  const cancel = byId('cancel');
  cancel.classList.remove('armed');
  cancel.textContent = 'Cancel';
  clearTimeout(disarmTimer);
}

byId<HTMLButtonElement>('retry').addEventListener('click', (event) => void act('retry', event.currentTarget as HTMLButtonElement));
byId<HTMLButtonElement>('cancel').addEventListener('click', (event) => {
  const cancel = event.currentTarget as HTMLButtonElement;
  if (!cancel.classList.contains('armed')) {
    cancel.classList.add('armed');
    cancel.textContent = 'Confirm cancel';
    disarmTimer = setTimeout(disarm, 4000);
    return;
  }
  disarm();
  void act('cancel', cancel);
});
byId('close-detail').addEventListener('click', () => select(null));

byId<HTMLFormElement>('find').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = (event.currentTarget as HTMLFormElement).elements.namedItem('id') as HTMLInputElement;
  const id = input.value.trim();
  if (id) select(id);
});

// ---- filters, pages and the URL fragment ------------------------------------------------------------------

function field(name: string): HTMLInputElement | HTMLSelectElement {
  return filters.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement;
}

function readHash(): void {
  const params = new URLSearchParams(location.hash.slice(1));
  for (const key of FILTER_KEYS) {
    list.filters[key] = params.get(key) ?? (key === 'limit' ? DEFAULT_LIMIT : '');
    field(key).value = list.filters[key];
  }
  list.showFrom(params.get('after'));
  list.selected = params.get('wf');
  if (!list.selected) byId('detail').hidden = true;
}

function writeHash(): void {
  const params = new URLSearchParams();
  for (const key of FILTER_KEYS) if (list.filters[key] && !(key === 'limit' && list.filters[key] === DEFAULT_LIMIT)) params.set(key, list.filters[key]);
  if (list.after) params.set('after', list.after);
  if (list.selected) params.set('wf', list.selected);
  const hash = params.toString();
  history.replaceState(null, '', hash ? `#${hash}` : location.pathname + location.search);
}

function reloadList(): void {
  writeHash();
  list.load().catch((error: Error) => banner(`Could not list workflows: ${error.message}`));
}

filters.addEventListener('submit', (event) => {
  event.preventDefault();
  for (const key of FILTER_KEYS) list.filters[key] = field(key).value.trim();
  list.showFrom(null);
  reloadList();
});
byId('clear-filters').addEventListener('click', () => {
  for (const key of ['status', 'name', 'queue']) field(key).value = '';
  filters.requestSubmit();
});
for (const card of document.querySelectorAll<HTMLElement>('#counts .count')) {
  card.addEventListener('click', () => {
    field('status').value = card.dataset.status ?? '';
    filters.requestSubmit();
  });
}
byId('page-older').addEventListener('click', () => void list.older().then(writeHash, (error: Error) => banner(`Could not list workflows: ${error.message}`)));
byId('page-newer').addEventListener('click', () => void list.newer().then(writeHash, (error: Error) => banner(`Could not list workflows: ${error.message}`)));
window.addEventListener('hashchange', () => {
  readHash();
  void refresh();
});

// ---- refresh loop -------------------------------------------------------------------------------------

async function refresh(): Promise<void> {
  if (busy) {
    again = true;
    return;
  }
  busy = true;
  const jobs: Array<Promise<unknown>> = [api<StatsJson>('api/stats').then((s) => stats.render(s)), list.load()];
  if (list.selected) jobs.push(loadDetail(list.selected));
  if (Date.now() - activityAt >= ACTIVITY_EVERY_MS) {
    activityAt = Date.now();
    jobs.push(api<ActivityJson>('api/activity').then(renderActivity));
  }
  const results = await Promise.allSettled(jobs);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    const error = failed.reason as Error;
    banner(error instanceof HttpError && error.status === 401 ? 'Not authorized (401): sign in again.' : `Refresh failed: ${error.message} (retrying)`);
  } else {
    banner('');
  }
  byId('refresh-state').textContent = `${failed ? 'failed at' : 'updated'} ${dateTime(Date.now())}`;
  busy = false;
  if (again) {
    again = false;
    void refresh();
  }
}

byId('refresh-now').addEventListener('click', () => {
  activityAt = 0;
  void refresh();
});
setInterval(() => {
  if (byId<HTMLInputElement>('auto-refresh').checked && document.visibilityState !== 'hidden') void refresh();
}, POLL_MS);
if (!READ_ONLY) new BulkActions(list, { notice, banner, refresh: () => void refresh() });
byId('zone').textContent = `times in ${zoneLabel()}`;
readHash();
void refresh();
