import { afterEach, describe, expect, it } from 'vitest';
import type { WorkflowDetailJson } from '../src/api-types.js';
import { startServer, teller, waitFor, type TestServer } from './harness.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

interface Sse {
  event: string;
  id: string | undefined;
  data: any;
}

/** Reads Server-Sent Events from `path` until `end` or `error` (or `stopAfter` chunks), with the time each arrived. */
async function readEvents(path: string, headers: Record<string, string> = {}, stopAfter = Infinity): Promise<{ status: number; type: string | null; events: Array<Sse & { at: number }> }> {
  const abort = new AbortController();
  const res = await fetch(server!.base + path, { headers, signal: abort.signal });
  const events: Array<Sse & { at: number }> = [];
  if (!res.headers.get('content-type')?.startsWith('text/event-stream')) return { status: res.status, type: res.headers.get('content-type'), events: [{ event: 'json', id: undefined, data: await res.json(), at: 0 }] };
  const decoder = new TextDecoder();
  let buffer = '';
  const started = Date.now();
  const reader = res.body!.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let split: number;
      while ((split = buffer.indexOf('\n\n')) !== -1) {
        const block = buffer.slice(0, split);
        buffer = buffer.slice(split + 2);
        const fields = Object.fromEntries(block.split('\n').filter((line) => !line.startsWith(':') && line.includes(': ')).map((line) => [line.slice(0, line.indexOf(': ')), line.slice(line.indexOf(': ') + 2)]));
        if (!fields.event) continue;
        events.push({ event: fields.event, id: fields.id, data: JSON.parse(fields.data), at: Date.now() - started });
        if (fields.event !== 'chunk' || events.length >= stopAfter) return { status: res.status, type: res.headers.get('content-type'), events };
      }
    }
  } finally {
    abort.abort();
  }
  return { status: res.status, type: res.headers.get('content-type'), events };
}

describe('stream as Server-Sent Events', () => {
  it('sends each chunk as it is written, with its position as the event id, then end', async () => {
    server = await startServer({ authorize: (req) => req.get('authorization') === 'Bearer s' });
    await server.runtime.startWorkflow(teller, [['Once', ' upon', ' a', ' time'], 250], { id: 'tale' });
    const { status, type, events } = await readEvents('/api/workflows/tale/streams/answer', { authorization: 'Bearer s' });
    expect(status).toBe(200);
    expect(type).toBe('text/event-stream; charset=utf-8');
    expect(events.map((e) => [e.event, e.id, e.data])).toEqual([
      ['chunk', '0', { position: 0, value: 'Once' }],
      ['chunk', '1', { position: 1, value: ' upon' }],
      ['chunk', '2', { position: 2, value: ' a' }],
      ['chunk', '3', { position: 3, value: ' time' }],
      ['end', undefined, { position: 4 }],
    ]);
    // Live: the chunks arrive spread over the writing, not all at the end.
    expect(events[3]!.at - events[0]!.at).toBeGreaterThan(400);
    // The detail shows what it published.
    const detail = (await (await fetch(`${server.base}/api/workflows/tale`, { headers: { authorization: 'Bearer s' } })).json()) as WorkflowDetailJson;
    expect(detail.events).toEqual([{ key: 'progress', value: { done: 4, of: 4 }, step: expect.any(Number), setAt: expect.any(String) }]);
    expect(detail.streams).toEqual([{ key: 'answer', chunks: 4, closed: true, updatedAt: expect.any(String) }]);
  });

  it('resumes after Last-Event-ID (or from=), ends when the workflow ends without closing, and refuses bad requests with JSON', async () => {
    server = await startServer({ authorize: (req) => req.get('authorization') === 'Bearer s' });
    const auth = { authorization: 'Bearer s' };
    const handle = await server.runtime.startWorkflow(teller, [['a', 'b', 'c'], 0, false], { id: 'open-ended' });
    await handle.result();
    const resumed = await readEvents('/api/workflows/open-ended/streams/answer', { ...auth, 'Last-Event-ID': '0' });
    expect(resumed.events.map((e) => e.event === 'chunk' ? e.data.value : e.event)).toEqual(['b', 'c', 'end']);
    const from = await readEvents('/api/workflows/open-ended/streams/answer?from=2', auth);
    expect(from.events.map((e) => e.event === 'chunk' ? e.data.value : e.event)).toEqual(['c', 'end']);

    const refusals: Array<[string, Record<string, string>, number, string]> = [
      ['/api/workflows/nope/streams/answer', auth, 404, 'WORKFLOW_NOT_FOUND'],
      ['/api/workflows/open-ended/streams/answer?from=-1', auth, 400, 'VALIDATION'],
      ['/api/workflows/open-ended/streams/answer?offset=1', auth, 400, 'VALIDATION'],
      ['/api/workflows/open-ended/streams/answer', { ...auth, 'Last-Event-ID': 'x' }, 400, 'VALIDATION'],
      ['/api/workflows/open-ended/streams/answer', {}, 401, 'UNAUTHORIZED'],
    ];
    for (const [path, headers, status, code] of refusals) {
      const answer = await readEvents(path, headers);
      expect(answer.status, path).toBe(status);
      expect(answer.type).toContain('application/json');
      expect(answer.events[0]!.data.error.code).toBe(code);
      expect(answer.events[0]!.data.error.message).not.toMatch(/\n\s+at /);
    }
  });

  it('a client that goes away mid-stream stops the read; the workflow goes on', async () => {
    server = await startServer({ authorize: () => true });
    const handle = await server.runtime.startWorkflow(teller, [['x', 'y', 'z', 'w'], 300], { id: 'left' });
    const partial = await readEvents('/api/workflows/left/streams/answer', {}, 1);
    expect(partial.events.map((e) => e.data.value)).toEqual(['x']);
    expect(await handle.result()).toBe(4);
    await waitFor(async () => (await handle.streams())[0]?.closed === true, 5_000, 'the stream to close');
  });
});
