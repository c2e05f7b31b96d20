import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import {
  compression, defineTask, defineWorkflow, EncryptedPayloadError, EncryptedValue, encryption, Runtime, setEvent, taskContext, waitForSignal,
  WorkflowClient, writeStream, type EncryptionOptions, type PayloadCodec,
} from '@steadfast/core';
import { waitFor } from './helpers.js';
import { DATABASES, type Database } from './support/databases.js';

const SECRET = 'TOP-SECRET-4242';
const K1 = randomBytes(32);
const K2 = randomBytes(32);
const ACME = randomBytes(32);
const GLOBEX = randomBytes(32);

const charge = defineTask(
  'enc.charge',
  async (card: string) => {
    if (taskContext().attempt === 1) throw new Error(`card ${card} declined, try again`);
    return `charged ${card}`;
  },
  { retries: 1, backoff: { type: 'fixed', initial: '10ms' } },
);
/** Every kind of payload: arguments, a task result and a failed attempt's error, an event, a stream chunk, a signal, the result. */
const checkout = defineWorkflow('enc.checkout', async (card: string) => {
  const receipt = await charge(card);
  await setEvent('receipt', receipt);
  await writeStream('log', `log of ${card}`);
  const note = await waitForSignal<string>('note');
  return { receipt, note };
});

describe.each(DATABASES.filter((k) => k.available))('payload encryption on $name', (kind) => {
  let db: Database;
  const closers: Array<() => Promise<unknown>> = [];
  beforeEach(async () => {
    db = await kind.create();
  });
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close().catch(() => {});
    await db.drop();
  });

  const keys = (options: Partial<EncryptionOptions> = {}): PayloadCodec[] => [compression({ minBytes: 0 }), encryption({ keys: { k1: K1 }, currentKey: 'k1', ...options })];

  function runtime(codec: PayloadCodec[] | undefined): Runtime {
    const r = new Runtime({ storage: db.adapter(), logger: pino({ level: 'silent' }), leaseMs: 3_000, heartbeatMs: 1_000, pollIntervalMs: 50, inMemoryWaitMs: 0, codec });
    r.register(checkout, charge);
    closers.push(() => r.shutdown({ timeout: 1_000 }));
    return r;
  }

  function client(codec: PayloadCodec[] | undefined): WorkflowClient {
    const c = new WorkflowClient({ storage: db.adapter(), logger: pino({ level: 'silent' }), pollIntervalMs: 50, codec });
    closers.push(() => c.close());
    return c;
  }

  /** Runs a checkout to the signal it waits for. */
  async function parked(r: Runtime, id: string, options: { concurrencyKey?: string } = {}) {
    const handle = await r.startWorkflow(checkout, [`${SECRET}-${id}`], { id, ...options });
    await waitFor(async () => (await handle.streams()).length === 1 && (await handle.status()) === 'sleeping', 10_000, `${id} to wait for its signal`);
    return handle;
  }

  it('stores every payload encrypted; the runtime and a client with the key read them back', async () => {
    const r = runtime(keys());
    await r.start();
    const handle = await parked(r, 'o-1');
    await r.signal('o-1', 'note', `note ${SECRET}`);
    expect(await handle.result()).toEqual({ receipt: `charged ${SECRET}-o-1`, note: `note ${SECRET}` });
    const dump = await db.dump();
    expect(dump).toContain('"$sf\\":\\"encoded\\"');
    expect(dump).not.toContain(SECRET);
    expect(dump).not.toContain('declined');

    const reader = client(keys());
    const same = await reader.getWorkflow('o-1');
    expect((await same.info()).args).toEqual([`${SECRET}-o-1`]);
    expect(await same.getEvent('receipt', { timeout: 0 })).toBe(`charged ${SECRET}-o-1`);
    const chunks: unknown[] = [];
    for await (const chunk of same.readStream('log')) chunks.push(chunk);
    expect(chunks).toEqual([`log of ${SECRET}-o-1`]);
    const retried = (await same.history()).find((e) => e.type === 'retry_scheduled')!;
    expect((retried.data!.error as Error).message).toBe(`card ${SECRET}-o-1 declined, try again`);
    // The task's fingerprint is a keyed digest: no preview of its arguments.
    expect((await same.steps())[0]).toMatchObject({ kind: 'task', args: undefined, argsPreview: undefined });
  });

  it('without the key, or with another key under its id, reads fail naming the key id and inspection shows "encrypted"', async () => {
    const r = runtime(keys());
    await r.start();
    await parked(r, 'o-2');
    for (const [codec, reason] of [[undefined, 'no-codec'], [keys({ keys: { k2: K2 }, currentKey: 'k2' }), 'missing-key'], [keys({ keys: { k1: K2 } }), 'wrong-key']] as const) {
      const reader = client(codec as PayloadCodec[] | undefined);
      const handle = await reader.getWorkflow('o-2');
      const info = await handle.info();
      expect(info.args, reason).toBeInstanceOf(EncryptedValue);
      expect(info.args).toMatchObject({ $encrypted: true, keyId: 'k1' });
      expect((await handle.steps())[0]!.output).toMatchObject({ $encrypted: true, keyId: 'k1' });
      expect((await handle.events())[0]!.value).toMatchObject({ keyId: 'k1' });
      expect((await handle.history()).map((e) => e.type)).toContain('retry_scheduled');
      await expect(handle.getEvent('receipt', { timeout: 0 })).rejects.toMatchObject({ code: 'ENCRYPTED_PAYLOAD', keyId: 'k1', reason });
      await expect(handle.readStream('log').next()).rejects.toThrow(/key "k1"/);
      expect((await reader.listWorkflows()).map((w) => String(w.args))).toEqual(['encrypted (key k1)']);
    }
    // A failed workflow's error that cannot be decrypted: result() rejects with that, naming the key.
    await r.cancel('o-2');
    await expect((await client(undefined).getWorkflow('o-2')).result()).rejects.toMatchObject({ code: 'CANCELLED' });
  });

  it('rotation: a workflow started under the old key finishes under the new one, its stored payloads not re-encrypted, its replay unchanged', async () => {
    const first = runtime(keys());
    await first.start();
    await parked(first, 'o-3');
    await first.shutdown({ timeout: 1_000 });
    const rotated = runtime(keys({ keys: { k2: K2, k1: K1 }, currentKey: 'k2' }));
    await rotated.start();
    const handle = await rotated.getWorkflow('o-3');
    await rotated.signal('o-3', 'note', 'after the rotation');
    // The replay checks the task's fingerprint (keyed by the arguments' key, k1) and raises no NonDeterminismError.
    expect(await handle.result()).toEqual({ receipt: `charged ${SECRET}-o-3`, note: 'after the rotation' });
    const stored = (await db.adapter().getWorkflow('o-3'))!;
    const keyOf = (text: string) => (JSON.parse(text).v.codecs as Array<{ key?: string }>).at(-1)!.key;
    expect(keyOf(stored.args)).toBe('k1');
    expect(keyOf(stored.output!)).toBe('k2');
    // A reader with both keys reads both.
    expect((await (await client(keys({ keys: { k2: K2, k1: K1 }, currentKey: 'k2' })).getWorkflow('o-3')).info()).args).toEqual([`${SECRET}-o-3`]);
  });

  it('per-tenant keys: deleting a tenant’s key makes its payloads unreadable and refuses new ones; other tenants go on', async () => {
    const tenantOptions: Partial<EncryptionOptions> = {
      keys: { k1: K1, 'acme-1': ACME, 'globex-1': GLOBEX },
      tenant: (w) => w.concurrencyKey ?? null,
      tenantKeys: { acme: 'acme-1', globex: 'globex-1' },
    };
    const before = runtime(keys(tenantOptions));
    await before.start();
    await parked(before, 'acme-order', { concurrencyKey: 'acme' });
    await parked(before, 'globex-order', { concurrencyKey: 'globex' });
    expect(JSON.parse((await db.adapter().getWorkflow('acme-order'))!.args).v.codecs.at(-1)).toMatchObject({ key: 'acme-1', tenant: 'acme' });
    await before.shutdown({ timeout: 1_000 });

    const shredded = runtime(keys({ ...tenantOptions, keys: { k1: K1, 'globex-1': GLOBEX }, tenantKeys: { globex: 'globex-1' } }));
    await shredded.start();
    const acme = await shredded.getWorkflow('acme-order');
    expect((await acme.info()).args).toMatchObject({ $encrypted: true, keyId: 'acme-1', tenant: 'acme' });
    await expect(acme.getEvent('receipt', { timeout: 0 })).rejects.toThrow(/key "acme-1" \(tenant "acme"\): this process has no key of that id/);
    const count = (await shredded.listWorkflows()).length;
    await expect(shredded.startWorkflow(checkout, ['new'], { concurrencyKey: 'acme' })).rejects.toMatchObject({ code: 'ENCRYPTED_PAYLOAD', reason: 'no-tenant-key', tenant: 'acme' });
    await expect(shredded.signal('acme-order', 'note', 'x')).rejects.toMatchObject({ reason: 'no-tenant-key' });
    expect((await shredded.listWorkflows()).length).toBe(count);
    await shredded.signal('globex-order', 'note', 'fine');
    expect(await (await shredded.getWorkflow('globex-order')).result()).toEqual({ receipt: `charged ${SECRET}-globex-order`, note: 'fine' });
  });
});
