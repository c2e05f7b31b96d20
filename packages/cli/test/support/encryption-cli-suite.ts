/** The commands on an encrypted database: "encrypted" without its keys, plain with them; run against every backend. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { compression, defineWorkflow, encryption, Runtime, waitForSignal } from '@steadfast/core';
import type { Backend, TestDatabase } from './cli-suite.js';
import { runCli } from './run-cli.js';

const KEY = randomBytes(32).toString('base64');
const ENV = { STEADFAST_ENCRYPTION_KEYS: `k1=${KEY}` };
const secretive = defineWorkflow('enc.secretive', async (secret: string) => ({ secret, note: await waitForSignal<string>('note') }));

export function describeEncryptedCommands(backend: Backend): void {
  describe(`an encrypted database on ${backend.name}`, () => {
    let db: TestDatabase;
    let runtime: Runtime;
    const cli = (args: string[], env: Record<string, string> = {}) => runCli([...args, ...db.args], env);
    beforeEach(async () => {
      db = await backend.create();
      runtime = new Runtime({
        storage: db.storage(), logger: pino({ level: 'silent' }), pollIntervalMs: 20, codec: [compression(), encryption({ keys: { k1: KEY }, currentKey: 'k1' })],
      });
      runtime.register(secretive);
      await runtime.start();
      const handle = await runtime.startWorkflow(secretive, ['TOP-SECRET'], { id: 'enc-1' });
      for (let i = 0; i < 200 && (await handle.status()) !== 'sleeping'; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    });
    afterEach(async () => {
      await runtime.shutdown({ timeout: 1_000 });
      await db.drop();
    });

    it('shows payloads as encrypted, naming the key, without the keys; decrypted with them (env or file)', async () => {
      const shown = await cli(['show', 'enc-1']);
      expect(shown.code, shown.stderr).toBe(0);
      expect(shown.stdout).toMatch(/Args\s+encrypted \(key k1\)/);
      expect(shown.stdout).not.toContain('TOP-SECRET');
      const json = await cli(['show', 'enc-1', '--json']);
      expect(json.json().workflow.args).toMatchObject({ $encrypted: true, keyId: 'k1' });

      expect((await cli(['show', 'enc-1'], ENV)).stdout).toMatch(/Args\s+\["TOP-SECRET"\]/);
      const dir = mkdtempSync(join(tmpdir(), 'steadfast-keys-'));
      try {
        writeFileSync(join(dir, 'keys'), `k1=${KEY}\n`);
        expect((await cli(['show', 'enc-1', '--encryption-keys-file', join(dir, 'keys')])).stdout).toMatch(/Args\s+\["TOP-SECRET"\]/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('signals with the keys (stored encrypted); bad keys are a usage error (2) naming the problem', async () => {
      const sent = await cli(['signal', 'enc-1', 'note', '"from the command line"'], ENV);
      expect(sent.code, sent.stderr).toBe(0);
      expect(await (await runtime.getWorkflow('enc-1')).result()).toEqual({ secret: 'TOP-SECRET', note: 'from the command line' });
      const bad = await cli(['list'], { STEADFAST_ENCRYPTION_KEYS: 'k1=short' });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('key "k1" must be 32 bytes');
      expect(bad.stderr).not.toContain('short');
    });
  });
}
