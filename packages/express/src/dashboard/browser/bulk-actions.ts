import type { BulkResultJson } from '../../api-types.js';
import { api } from './api-client.js';
import { byId } from './dom.js';
import type { WorkflowList } from './workflow-list.js';

type Action = 'retry' | 'cancel' | 'purge';

/** How each action is asked about and reported. */
const WORDS: Record<Action, { verb: string; done: string; which: string }> = {
  retry: { verb: 'Retry', done: 'Retried', which: 'failed' },
  cancel: { verb: 'Cancel', done: 'Cancelled', which: 'unfinished' },
  purge: { verb: 'Delete', done: 'Deleted', which: 'finished' },
};

/**
 * The bar above the list for the ticked workflows: each action first asks the API how many of them it would
 * change (a dry run: only failed ones can be retried, unfinished ones cancelled, finished ones deleted), asks
 * the user to confirm that number, then does it through the bulk API with the ticked ids as the filter.
 */
export class BulkActions {
  constructor(
    private readonly list: WorkflowList,
    private readonly report: { notice(message: string): void; banner(message: string): void; refresh(): void },
  ) {
    list.onPick = () => this.render();
    byId<HTMLInputElement>('pick-page').addEventListener('change', (event) => list.pickPage((event.currentTarget as HTMLInputElement).checked));
    byId('bulk-clear').addEventListener('click', () => list.clearPicks());
    for (const action of Object.keys(WORDS) as Action[]) {
      byId<HTMLButtonElement>(`bulk-${action}`).addEventListener('click', (event) => void this.run(action, event.currentTarget as HTMLButtonElement));
    }
  }

  render(): void {
    const count = this.list.picked.size;
    byId('bulk-bar').hidden = count === 0;
    byId('bulk-count').textContent = `${count} selected`;
    if (count === 0) byId<HTMLInputElement>('pick-page').checked = false;
  }

  private async run(action: Action, button: HTMLButtonElement): Promise<void> {
    const ids = [...this.list.picked];
    const { verb, done, which } = WORDS[action];
    button.disabled = true;
    try {
      const path = `api/bulk/${action}`;
      const dry = await api<BulkResultJson>(path, 'POST', { filter: { ids }, dryRun: true });
      if (dry.count === 0) {
        this.report.notice(`None of the ${ids.length} selected workflows is ${which}: nothing to ${verb.toLowerCase()}.`);
        return;
      }
      const question = `${verb} ${dry.count} of the ${ids.length} selected workflows (the ${which} ones)?${action === 'purge' ? ' Their history is deleted for good.' : ''}`;
      if (!window.confirm(question)) return;
      const result = await api<BulkResultJson>(path, 'POST', { filter: { ids } });
      this.report.notice(`${done} ${result.count} workflow${result.count === 1 ? '' : 's'}.`);
      this.report.banner('');
      this.list.clearPicks();
      this.report.refresh();
    } catch (error) {
      this.report.banner(`Could not ${verb.toLowerCase()} the selected workflows: ${(error as Error).message}`);
    } finally {
      button.disabled = false;
    }
  }
}
