import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import express from 'express';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { encryption, WorkflowClient } from '@steadfast/core';
import { SqliteAdapter } from '@steadfast/sqlite-adapter';
import type { WorkflowDetailJson } from '../src/api-types.js';
import { steadfastRouter } from '../src/index.js';
import { browserSuite, waitForText } from './browser.js';
import { startServer, teller } from './harness.js';

const KEY = randomBytes(32);
const suite = browserSuite();

/** A dashboard process on the same database, without the keys. */
async function keylessRouter(filename: string): Promise<{ base: string; close(): Promise<void> }> {
  const client = new WorkflowClient({ storage: new SqliteAdapter({ filename }), logger: pino({ level: 'silent' }) });
  const app = express().use('/ops', steadfastRouter(client, { authorize: () => true, requireStarted: false }));
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}/ops`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await client.close();
    },
  };
}

let keyless: { base: string; close(): Promise<void> } | undefined;
afterEach(async () => {
  await keyless?.close();
  keyless = undefined;
});

describe('an encrypted database seen without its keys', () => {
  it('the API shows payloads as encrypted, naming the key, and a stream fails with that reason; the dashboard says "encrypted"', async (ctx) => {
    const server = (suite.server = await startServer({ authorize: () => true }, { codec: [encryption({ keys: { k1: KEY }, currentKey: 'k1' })] }));
    await (await server.runtime.startWorkflow(teller, [['TOP', 'SECRET'], 0], { id: 'sealed' })).result();
    keyless = await keylessRouter(server.filename);
    const detail = (await (await fetch(`${keyless.base}/api/workflows/sealed`)).json()) as WorkflowDetailJson;
    expect(detail.workflow.args).toMatchObject({ $encrypted: true, keyId: 'k1' });
    expect(detail.events[0].value).toMatchObject({ $encrypted: true, keyId: 'k1' });
    expect(JSON.stringify(detail)).not.toContain('SECRET');
    const stream = await (await fetch(`${keyless.base}/api/workflows/sealed/streams/answer`)).text();
    expect(stream).toContain('event: error');
    expect(stream).toContain('"code":"ENCRYPTED_PAYLOAD"');
    expect(stream).toContain('key \\"k1\\"');
    expect(stream).not.toContain('SECRET');

    if (!suite.ready()) ctx.skip();
    const page = await suite.browser.open();
    await page.goto(`${keyless.base}/#wf=sealed`);
    await waitForText(page, '#detail-args', 'encrypted (key k1)');
    await waitForText(page, '#detail-output', 'encrypted (key k1)');
    expect(suite.browser.problems).toEqual([]);
  }, 60_000);
});
