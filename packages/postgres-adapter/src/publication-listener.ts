import { KeyedListeners } from '@steadfast/core/adapter';
import type { DueListener } from './due-listener.js';

/**
 * The readers of workflows' publications in this process, served by one LISTEN connection on the publications
 * channel (made with the first reader, closed with the last): a notification names the workflow, and its
 * readers are told; after a reconnect every reader is told, since what was sent meanwhile is lost.
 */
export class PublicationListener {
  private readonly watchers = new KeyedListeners();
  private listener: DueListener | undefined;
  private started: Promise<void> | undefined;

  constructor(private readonly listen: (onMessage: (workflowId: string) => void, onReconnect: () => void) => DueListener) {}

  async watch(workflowId: string, onChange: () => void): Promise<() => Promise<void>> {
    const remove = this.watchers.add(workflowId, onChange);
    if (!this.started) {
      this.listener = this.listen((id) => this.watchers.tell(id), () => this.watchers.tellAll(undefined));
      this.started = this.listener.start();
    }
    await this.started;
    return async () => {
      remove();
      if (this.watchers.empty) await this.stop();
    };
  }

  async stop(): Promise<void> {
    const listener = this.listener;
    this.listener = undefined;
    this.started = undefined;
    await listener?.stop();
  }
}
