import type { WorkflowJson, WorkflowListJson } from '../../api-types.js';
import { api } from './api-client.js';
import { append, byId, clear, clipCell, h } from './dom.js';
import { timeElement } from './format.js';

/** The list's filters, as the form and the URL fragment hold them. */
export interface ListFilters {
  status: string;
  name: string;
  queue: string;
  limit: string;
}

export const FILTER_KEYS = ['status', 'name', 'queue', 'limit'] as const;
export const DEFAULT_LIMIT = '100';

/**
 * The workflow list, a page at a time: "Older" follows the API's `nextCursor`, "Newer" goes back through
 * the cursors of the pages seen. A refresh reloads the page in view with its cursor, so rows do not shift
 * under the reader while new workflows arrive.
 */
export class WorkflowList {
  filters: ListFilters = { status: '', name: '', queue: '', limit: DEFAULT_LIMIT };
  /** The workflow open in the detail panel. */
  selected: string | null = null;
  /** The workflows ticked for a bulk action (kept across pages and refreshes until cleared). */
  readonly picked = new Set<string>();
  /** Told when the ticked set changes. */
  onPick: () => void = () => {};
  /** The cursor of every page from the first (null) to the one in view. */
  private cursors: Array<string | null> = [null];
  private nextCursor: string | null = null;
  private seq = 0;

  constructor(
    private readonly onSelect: (id: string) => void,
    /** Rows get a checkbox for bulk actions unless the router is read-only. */
    private readonly pickable: boolean,
  ) {}

  /** Unticks everything. */
  clearPicks(): void {
    this.picked.clear();
    for (const box of byId('list').querySelectorAll<HTMLInputElement>('input[type="checkbox"]')) box.checked = false;
    this.onPick();
  }

  /** Ticks or unticks every row of the page in view (the header's checkbox). */
  pickPage(on: boolean): void {
    for (const box of byId('list').querySelectorAll<HTMLInputElement>('tbody input[type="checkbox"]')) {
      box.checked = on;
      if (on) this.picked.add(box.value);
      else this.picked.delete(box.value);
    }
    this.onPick();
  }

  /** The cursor of the page in view (null: the newest). */
  get after(): string | null {
    return this.cursors[this.cursors.length - 1] ?? null;
  }

  /** Starts at the page after `after` (from the URL), forgetting the pages seen. */
  showFrom(after: string | null): void {
    this.cursors = after ? [null, after] : [null];
  }

  older(): Promise<void> {
    if (this.nextCursor) this.cursors.push(this.nextCursor);
    return this.load();
  }

  newer(): Promise<void> {
    if (this.cursors.length > 1) this.cursors.pop();
    return this.load();
  }

  async load(): Promise<void> {
    const seq = ++this.seq;
    const params = new URLSearchParams();
    for (const key of FILTER_KEYS) if (this.filters[key]) params.set(key, this.filters[key]);
    if (this.after) params.set('after', this.after);
    const body = await api<WorkflowListJson>(`api/workflows?${params}`);
    // An answer to an older request (filters changed meanwhile) is dropped.
    if (seq === this.seq) this.render(body);
  }

  /** Marks the selected row. */
  highlight(): void {
    for (const tr of byId('list').querySelectorAll<HTMLTableRowElement>('tbody tr')) tr.classList.toggle('selected', tr.dataset.id === this.selected);
  }

  private render(body: WorkflowListJson): void {
    const tbody = clear(byId('list').querySelector('tbody')!);
    for (const w of body.workflows) tbody.appendChild(this.row(w));
    byId('list-empty').hidden = body.workflows.length > 0;
    this.nextCursor = body.nextCursor;
    const page = this.cursors.length;
    const limit = Number(this.filters.limit || DEFAULT_LIMIT);
    const first = (page - 1) * limit + 1;
    byId('page-label').textContent = body.workflows.length
      ? `page ${page} · ${first}–${first + body.workflows.length - 1}`
      : `page ${page}`;
    byId<HTMLButtonElement>('page-newer').disabled = page === 1;
    byId<HTMLButtonElement>('page-older').disabled = body.nextCursor === null;
  }

  private row(w: WorkflowJson): HTMLTableRowElement {
    const tr = h('tr');
    tr.dataset.id = w.id;
    if (w.id === this.selected) tr.className = 'selected';
    const status = append(h('td'), h('span', `status ${w.status}`, w.status));
    const updated = append(h('td', 'muted date'), timeElement(w.updatedAt));
    if (this.pickable) tr.appendChild(this.pickCell(w.id));
    append(tr, clipCell(w.id, 'mono'), clipCell(w.name), clipCell(w.queue, 'mono'), status, h('td', 'num', w.attempts), updated);
    tr.addEventListener('click', () => this.onSelect(w.id));
    return tr;
  }

  private pickCell(id: string): HTMLTableCellElement {
    const box = h('input');
    box.type = 'checkbox';
    box.value = id;
    box.checked = this.picked.has(id);
    box.setAttribute('aria-label', `Select ${id}`);
    // Ticking a row is not opening it.
    box.addEventListener('click', (event) => event.stopPropagation());
    box.addEventListener('change', () => {
      if (box.checked) this.picked.add(id);
      else this.picked.delete(id);
      this.onPick();
    });
    return append(h('td'), box);
  }
}
