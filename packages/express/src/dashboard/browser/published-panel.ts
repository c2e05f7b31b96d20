import type { StreamChunkJson, WorkflowDetailJson } from '../../api-types.js';
import { append, byId, clear, clipCell, h } from './dom.js';
import { json, timeElement } from './format.js';

/** Most characters the live view keeps: the start of a long stream scrolls away. */
const MAX_SHOWN = 200_000;

/**
 * What the workflow published: its events (a value per key, from the detail answer) and its streams, one of
 * which can be watched live through the API's Server-Sent Events (an `EventSource`, which resumes after its
 * last chunk if the connection drops). Chunks are appended as text: a string as it is (pieces of one text,
 * such as an LLM's answer, join up), anything else as a JSON line.
 */
export class PublishedPanel {
  private source: EventSource | undefined;
  private live: { workflowId: string; key: string; chunks: number } | undefined;

  constructor() {
    byId('stream-stop').addEventListener('click', () => this.stop());
  }

  render(detail: WorkflowDetailJson): void {
    const id = detail.workflow.id;
    if (this.live && this.live.workflowId !== id) this.stop();
    const events = clear(byId('pub-events').querySelector('tbody')!);
    for (const event of detail.events) {
      const tr = append(h('tr'), clipCell(event.key, 'mono'), clipCell(json(event.value, 0), 'mono'), append(h('td', 'muted date'), timeElement(event.setAt)));
      tr.dataset.key = event.key;
      events.appendChild(tr);
    }
    byId('pub-events').hidden = detail.events.length === 0;
    byId('pub-events-empty').hidden = detail.events.length > 0;
    const streams = clear(byId('pub-streams'));
    for (const stream of detail.streams) {
      const watch = h('button', '', this.live?.key === stream.key ? 'Watching' : 'Watch live');
      watch.type = 'button';
      watch.disabled = this.live?.key === stream.key;
      watch.addEventListener('click', () => this.watch(id, stream.key));
      const li = append(h('li'), h('span', 'mono', stream.key), h('span', 'muted', ` ${stream.chunks} chunk${stream.chunks === 1 ? '' : 's'}${stream.closed ? ', closed' : ''} `), watch);
      li.dataset.key = stream.key;
      streams.appendChild(li);
    }
    byId('pub-streams-empty').hidden = detail.streams.length > 0;
  }

  /** Stops watching (another workflow was opened, or the user asked). */
  stop(): void {
    this.source?.close();
    this.source = undefined;
    this.live = undefined;
    byId('stream-live').hidden = true;
    for (const button of byId('pub-streams').querySelectorAll<HTMLButtonElement>('button')) {
      button.disabled = false;
      button.textContent = 'Watch live';
    }
  }

  private watch(workflowId: string, key: string): void {
    this.stop();
    this.live = { workflowId, key, chunks: 0 };
    byId('stream-live').hidden = false;
    byId('stream-key').textContent = key;
    clear(byId('stream-output'));
    this.state('connecting…');
    for (const li of byId('pub-streams').querySelectorAll<HTMLElement>('li')) {
      const button = li.querySelector('button')!;
      button.disabled = li.dataset.key === key;
      button.textContent = li.dataset.key === key ? 'Watching' : 'Watch live';
    }
    const source = new EventSource(`api/workflows/${encodeURIComponent(workflowId)}/streams/${encodeURIComponent(key)}`);
    this.source = source;
    source.addEventListener('open', () => this.state('live'));
    source.addEventListener('chunk', (event) => {
      const chunk = JSON.parse((event as MessageEvent<string>).data) as StreamChunkJson;
      this.append(typeof chunk.value === 'string' ? chunk.value : `${JSON.stringify(chunk.value)}\n`);
      this.live!.chunks++;
      this.state('live');
    });
    source.addEventListener('end', () => {
      source.close();
      this.state('ended');
    });
    source.addEventListener('error', (event) => {
      // A server-sent `error` event carries its reason; a dropped connection does not (EventSource retries).
      const data = (event as MessageEvent<string | undefined>).data;
      if (data) {
        source.close();
        this.state(`failed: ${(JSON.parse(data) as { message: string }).message}`);
      } else if (source.readyState === EventSource.CLOSED) {
        this.state('disconnected');
      } else {
        this.state('reconnecting…');
      }
    });
  }

  private append(text: string): void {
    const output = byId('stream-output');
    output.textContent = ((output.textContent ?? '') + text).slice(-MAX_SHOWN);
    output.scrollTop = output.scrollHeight;
  }

  private state(what: string): void {
    const chunks = this.live?.chunks ?? 0;
    byId('stream-state').textContent = `${what} · ${chunks} chunk${chunks === 1 ? '' : 's'}`;
  }
}
