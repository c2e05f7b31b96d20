import { describe, expect, it } from 'vitest';
import type { Publication } from '../storage/publication.js';
import type { Lease, NewStep, StorageAdapter } from '../storage/storage-adapter.js';
import { expectLeaseLost, PAYLOADS, sleep, type SuiteContext } from './context.js';

const UNDEFINED = '{"$sf":"undefined"}';

/**
 * publish (events and stream chunks written with their step's checkpoint, fenced, once), the reads of them,
 * watchPublications (told of publications from this adapter and from a peer), and their deletion with the
 * workflow.
 */
export function describePublicationCases(ctx: SuiteContext): void {
  const step = (seq: number, kind: 'event' | 'stream', name: string): NewStep => ({ seq, name, kind, output: UNDEFINED, error: null, attempts: 1, fingerprint: null });
  const event = (key: string, value: string): Publication => ({ kind: 'event', key, value });
  const chunk = (key: string, data: string): Publication => ({ kind: 'chunk', key, data });
  const close = (key: string): Publication => ({ kind: 'close', key });
  /** Publishes at step `seq` (named after the key, as the runtime does). */
  const publish = (lease: Lease, seq: number, publication: Publication, now = ctx.t0 + seq + 1, adapter: StorageAdapter = ctx.adapter) =>
    adapter.publish(lease, step(seq, publication.kind === 'event' ? 'event' : 'stream', publication.key), publication, now);
  const data = async (id: string, key: string, from = 0) => (await ctx.adapter.readStream(id, key, from, 100)).map((c) => [c.position, c.data]);

  describe('publish: events', () => {
    it('sets an event with its checkpoint and step_completed event; a later set replaces the value', async () => {
      const { lease } = await ctx.start();
      const id = lease.workflowId;
      expect(await publish(lease, 0, event('progress', '10'))).toBe('published');
      expect(await publish(lease, 1, event('status', '"charging"'))).toBe('published');
      expect(await publish(lease, 2, event('progress', '50'), ctx.t0 + 50)).toBe('published');
      expect(await ctx.adapter.readPublishedEvents(id)).toEqual([
        { key: 'progress', value: '50', seq: 2, updatedAt: ctx.t0 + 50 },
        { key: 'status', value: '"charging"', seq: 1, updatedAt: ctx.t0 + 2 },
      ]);
      expect(await ctx.adapter.readPublishedEvents(id, 'status')).toEqual([{ key: 'status', value: '"charging"', seq: 1, updatedAt: ctx.t0 + 2 }]);
      expect(await ctx.adapter.readPublishedEvents(id, 'nope')).toEqual([]);
      expect(await ctx.adapter.readPublishedEvents('no-such-workflow')).toEqual([]);
      const { steps } = await ctx.adapter.loadExecution(lease);
      expect(steps.map((s) => [s.seq, s.kind, s.name, s.output])).toEqual([[0, 'event', 'progress', UNDEFINED], [1, 'event', 'status', UNDEFINED], [2, 'event', 'progress', UNDEFINED]]);
      expect(await ctx.eventTypes(id)).toEqual(['created', 'claimed', 'step_completed', 'step_completed', 'step_completed']);
    });

    it('a repeated call for a checkpointed step publishes nothing again', async () => {
      const { lease } = await ctx.start();
      await publish(lease, 0, event('progress', '10'));
      await publish(lease, 1, event('progress', '20'));
      // Step 0 again (its answer was lost): the value stays 20, no second checkpoint or event.
      expect(await publish(lease, 0, event('progress', '10'))).toBe('published');
      expect((await ctx.adapter.readPublishedEvents(lease.workflowId))[0]!.value).toBe('20');
      expect(await ctx.eventTypes(lease.workflowId)).toHaveLength(4);
    });

    it('is fenced: a lost lease writes neither the value nor the checkpoint', async () => {
      const { lease } = await ctx.start();
      await ctx.adapter.cancelWorkflow(lease.workflowId, ctx.t0 + 1);
      await expectLeaseLost(publish(lease, 0, event('progress', '10')), lease.workflowId);
      await expectLeaseLost(publish(lease, 0, chunk('tokens', '"a"')), lease.workflowId);
      expect(await ctx.adapter.readPublishedEvents(lease.workflowId)).toEqual([]);
      expect(await data(lease.workflowId, 'tokens')).toEqual([]);
      expect(await ctx.adapter.listSteps(lease.workflowId)).toEqual([]);
    });
  });

  describe('publish: streams', () => {
    it('appends chunks at positions 0, 1, 2… per stream, ends a stream with an entry without data, and reads from a position', async () => {
      const { lease } = await ctx.start();
      const id = lease.workflowId;
      const [, unicode] = PAYLOADS[0]!;
      await publish(lease, 0, chunk('tokens', '"Hel"'));
      await publish(lease, 1, chunk('progress', '0.5'));
      await publish(lease, 2, chunk('tokens', unicode));
      await publish(lease, 3, chunk('tokens', '"!"'));
      expect(await publish(lease, 4, close('tokens'), ctx.t0 + 99)).toBe('published');
      expect(await data(id, 'tokens')).toEqual([[0, '"Hel"'], [1, unicode], [2, '"!"'], [3, null]]);
      expect(await data(id, 'tokens', 2)).toEqual([[2, '"!"'], [3, null]]);
      expect(await data(id, 'tokens', 9)).toEqual([]);
      expect((await ctx.adapter.readStream(id, 'tokens', 1, 2)).map((c) => c.position)).toEqual([1, 2]);
      expect((await ctx.adapter.readStream(id, 'tokens', 3, 1))[0]).toEqual({ position: 3, data: null, createdAt: ctx.t0 + 99 });
      expect(await data(id, 'progress')).toEqual([[0, '0.5']]);
      expect(await ctx.adapter.listStreams(id)).toEqual([
        { key: 'progress', chunks: 1, closed: false, updatedAt: ctx.t0 + 2 },
        { key: 'tokens', chunks: 3, closed: true, updatedAt: ctx.t0 + 99 },
      ]);
      expect(await ctx.adapter.listStreams('no-such-workflow')).toEqual([]);
    });

    it('refuses a chunk for an ended stream with closed, writing nothing, not even the checkpoint; ending it again writes the checkpoint alone', async () => {
      const { lease } = await ctx.start();
      const id = lease.workflowId;
      await publish(lease, 0, chunk('tokens', '"a"'));
      await publish(lease, 1, close('tokens'));
      expect(await publish(lease, 2, chunk('tokens', '"late"'))).toBe('closed');
      expect((await ctx.adapter.listSteps(id)).map((s) => s.seq)).toEqual([0, 1]);
      expect(await publish(lease, 2, close('tokens'))).toBe('published');
      expect((await ctx.adapter.listSteps(id)).map((s) => s.seq)).toEqual([0, 1, 2]);
      expect(await data(id, 'tokens')).toEqual([[0, '"a"'], [1, null]]);
    });

    it('a repeated call for a checkpointed step appends nothing again', async () => {
      const { lease } = await ctx.start();
      await publish(lease, 0, chunk('tokens', '"a"'));
      expect(await publish(lease, 0, chunk('tokens', '"a"'))).toBe('published');
      await publish(lease, 1, chunk('tokens', '"b"'));
      expect(await data(lease.workflowId, 'tokens')).toEqual([[0, '"a"'], [1, '"b"']]);
    });

    it('keeps the chunks of a workflow retried after failing, and deletes them with the workflow', async () => {
      const { lease } = await ctx.start();
      const id = lease.workflowId;
      await publish(lease, 0, chunk('tokens', '"a"'));
      await publish(lease, 1, event('progress', '1'));
      await ctx.adapter.fail(lease, '{"$sf":"error","v":{"name":"Error","message":"x"}}', null, ctx.t0 + 10);
      expect(await data(id, 'tokens')).toEqual([[0, '"a"']]);
      expect(await ctx.adapter.purgeWorkflows([id], ['failed'])).toBe(1);
      expect(await data(id, 'tokens')).toEqual([]);
      expect(await ctx.adapter.readPublishedEvents(id)).toEqual([]);
      // A new workflow with the same id starts with no stream.
      const again = await ctx.start({ id });
      expect(await publish(again.lease, 0, chunk('tokens', '"fresh"'))).toBe('published');
      expect(await data(id, 'tokens')).toEqual([[0, '"fresh"']]);
    });
  });

  describe('watchPublications', () => {
    /** Resolves once `calls` has reached `n`, or fails after 5 s. */
    async function reaches(calls: () => number, n: number, what: string): Promise<void> {
      const deadline = Date.now() + 5_000;
      while (calls() < n) {
        if (Date.now() > deadline) throw new Error(`watchPublications: no call for ${what} within 5 s`);
        await sleep(5);
      }
    }

    it('tells a watcher of the workflow when it publishes through this adapter, until it stops', async (test) => {
      if (!ctx.adapter.watchPublications) test.skip();
      const { lease } = await ctx.start();
      let calls = 0;
      const stop = await ctx.adapter.watchPublications!(lease.workflowId, () => calls++);
      await publish(lease, 0, chunk('tokens', '"a"'));
      await reaches(() => calls, 1, 'a chunk');
      const before = calls;
      await publish(lease, 1, event('progress', '1'));
      await reaches(() => calls, before + 1, 'an event');
      await stop();
      const stopped = calls;
      await publish(lease, 2, chunk('tokens', '"b"'));
      await sleep(150);
      expect(calls).toBe(stopped);
    });

    it('tells a watcher on a peer (another process) of what this adapter publishes', async (test) => {
      if (!ctx.adapter.watchPublications || !ctx.target.createPeer) test.skip();
      const peer = await ctx.peer();
      const { lease } = await ctx.start();
      let calls = 0;
      const stop = await peer.watchPublications!(lease.workflowId, () => calls++);
      await publish(lease, 0, chunk('tokens', '"from the other process"'));
      await reaches(() => calls, 1, "the other process's chunk");
      expect((await peer.readStream(lease.workflowId, 'tokens', 0, 10)).map((c) => c.data)).toEqual(['"from the other process"']);
      await stop();
    });
  });
}
