import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  compression, createSerializer, EncryptedPayloadError, EncryptedValue, encryption, encryptionKeysFromEnv, ValidationError, type Serializer,
} from '../src/index.js';
import { withCodecs } from '../src/foundation/codec/codec-serializer.js';

const K1 = randomBytes(32);
const K2 = randomBytes(32).toString('base64');
const ACME = randomBytes(32);
const plain = () => createSerializer();
const VALUE = { secret: 'TOP-SECRET-4711', when: new Date(0), big: 2n ** 70n, list: ['x'.repeat(2_000)] };

/** The error `run` throws (it must throw one). */
function caught(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

describe('compression()', () => {
  it('gzips payloads from minBytes on when that makes them smaller, and reads them back', () => {
    const s = withCodecs(plain(), [compression()]);
    const big = s.serialize(VALUE, 'args');
    expect(big.startsWith('{"$sf":"encoded","v":{"codecs":[{"name":"gzip"}],"data":"')).toBe(true);
    expect(big.length).toBeLessThan(plain().serialize(VALUE, 'args').length);
    expect(s.deserialize(big)).toEqual(VALUE);
    // Small payloads stay plain JSON.
    expect(s.serialize({ a: 1 }, 'args')).toBe('{"a":1}');
    // A plain serializer (no codec) still reads gzip, and plain text reads everywhere.
    expect(withCodecs(plain(), undefined).deserialize(big)).toEqual(VALUE);
    expect(s.deserialize('[1,2]')).toEqual([1, 2]);
  });

  it('refuses a payload that decompresses past maxDecodedBytes, and bad options', () => {
    const bomb = withCodecs(plain(), [compression()]).serialize({ zeros: '0'.repeat(100_000) }, 'args');
    expect(() => withCodecs(plain(), [compression({ maxDecodedBytes: 1_000 })]).deserialize(bomb)).toThrow(/more than 1000 bytes \(maxDecodedBytes/);
    expect(() => compression({ level: 12 })).toThrow(/level of compression\(\)/);
    expect(() => compression({ minbytes: 1 } as never)).toThrow(/unknown option "minbytes"/);
  });
});

describe('encryption()', () => {
  const keys = { 'k-1': K1, 'k-2': K2 };

  it('encrypts every payload with the current key, naming it in the envelope; nothing is left in the clear', () => {
    const s = withCodecs(plain(), [compression(), encryption({ keys, currentKey: 'k-2' })]);
    const stored = s.serialize(VALUE, 'args');
    expect(JSON.parse(stored).v.codecs).toEqual([{ name: 'gzip' }, { name: 'aes-256-gcm', key: 'k-2', tenant: null }]);
    expect(stored).not.toContain('TOP-SECRET');
    expect(s.deserialize(stored)).toEqual(VALUE);
    // A fresh IV each time: the same value never encrypts to the same text.
    expect(s.serialize(VALUE, 'args')).not.toBe(stored);
    const error = s.serializeError(new Error('card TOP-SECRET-4711 declined'));
    expect(error).not.toContain('TOP-SECRET');
    expect(s.deserializeError(error).message).toBe('card TOP-SECRET-4711 declined');
  });

  it('rotation: payloads of the old key still read, new ones use the current key, and nothing stored is re-encrypted', () => {
    const before = withCodecs(plain(), [encryption({ keys: { 'k-1': K1 }, currentKey: 'k-1' })]);
    const old = before.serialize(VALUE, 'args');
    const after = withCodecs(plain(), [encryption({ keys, currentKey: 'k-2' })]);
    expect(after.deserialize(old)).toEqual(VALUE);
    expect(JSON.parse(after.serialize(VALUE, 'args')).v.codecs[0].key).toBe('k-2');
    expect(JSON.parse(old).v.codecs[0].key).toBe('k-1');
  });

  it('a missing key or another key under the same id fails with EncryptedPayloadError naming the key id, never garbage', () => {
    const stored = withCodecs(plain(), [encryption({ keys, currentKey: 'k-1' })]).serialize(VALUE, 'args');
    const missing = caught(() => withCodecs(plain(), [encryption({ keys: { 'k-2': K2 }, currentKey: 'k-2' })]).deserialize(stored));
    expect(missing).toBeInstanceOf(EncryptedPayloadError);
    expect(missing).toMatchObject({ code: 'ENCRYPTED_PAYLOAD', keyId: 'k-1', reason: 'missing-key' });
    expect(missing.message).toMatch(/encrypted with key "k-1": this process has no key of that id \(it has k-2\)/);
    const wrong = caught(() => withCodecs(plain(), [encryption({ keys: { 'k-1': randomBytes(32) }, currentKey: 'k-1' })]).deserialize(stored));
    expect(wrong).toMatchObject({ keyId: 'k-1', reason: 'wrong-key' });
    expect(wrong.message).toMatch(/key "k-1": the key of that id here is not the one/);
    const none = caught(() => withCodecs(plain(), undefined).deserialize(stored));
    expect(none).toMatchObject({ keyId: 'k-1', reason: 'no-codec' });
    // Tampering is caught by the authentication tag.
    const envelope = JSON.parse(stored);
    const bytes = Buffer.from(envelope.v.data, 'base64');
    bytes[bytes.length - 1]! ^= 1;
    envelope.v.data = bytes.toString('base64');
    expect(caught(() => withCodecs(plain(), [encryption({ keys, currentKey: 'k-1' })]).deserialize(JSON.stringify(envelope)))).toMatchObject({ reason: 'wrong-key' });
    // Moving the payload under another key id (or tenant) is caught too.
    envelope.v.codecs[0].key = 'k-2';
    expect(caught(() => withCodecs(plain(), [encryption({ keys, currentKey: 'k-1' })]).deserialize(JSON.stringify(envelope)))).toMatchObject({ keyId: 'k-2', reason: 'wrong-key' });
    // An error that cannot be decrypted comes back as that error, which says so.
    const failed = withCodecs(plain(), [encryption({ keys, currentKey: 'k-1' })]).serializeError(new Error('boom'));
    expect(withCodecs(plain(), undefined).deserializeError(failed)).toBeInstanceOf(EncryptedPayloadError);
  });

  it('per-tenant keys: a workflow keeps the tenant it was created for; deleting the tenant key shreds its payloads and refuses new ones', () => {
    const options = { keys: { ...keys, 'acme-1': ACME }, currentKey: 'k-2', tenant: (w: { concurrencyKey?: string | null }) => w.concurrencyKey ?? null, tenantKeys: { acme: 'acme-1' } };
    const s = withCodecs(plain(), [encryption(options)]);
    const forAcme = s.forWorkflow!({ id: 'o-1', name: 'order', concurrencyKey: 'acme' });
    const args = forAcme.serialize(['TOP-SECRET-4711'], 'args');
    expect(JSON.parse(args).v.codecs[0]).toMatchObject({ key: 'acme-1', tenant: 'acme' });
    // Later writes for the workflow (an execution, a signal) take the tenant from its stored arguments.
    const later = s.forWorkflow!({ id: 'o-1', name: 'order', storedArgs: args }).serialize('step result', 'result');
    expect(JSON.parse(later).v.codecs[0]).toMatchObject({ key: 'acme-1', tenant: 'acme' });
    expect(JSON.parse(s.forWorkflow!({ id: 'o-2', name: 'order' }).serialize(1, 'args')).v.codecs[0].key).toBe('k-2');

    const shredded = withCodecs(plain(), [encryption({ ...options, keys, tenantKeys: {} })]);
    expect(caught(() => shredded.deserialize(args))).toMatchObject({ keyId: 'acme-1', tenant: 'acme', reason: 'missing-key' });
    const refused = caught(() => shredded.forWorkflow!({ id: 'o-3', name: 'order', concurrencyKey: 'acme' }).serialize(1, 'args'));
    expect(refused).toMatchObject({ reason: 'no-tenant-key', tenant: 'acme' });
    expect(refused.message).toMatch(/tenant "acme": tenantKeys names no key for it .*nothing was stored/);
  });

  it('fingerprints are stable for the same arguments, keyed by the key of the workflow’s arguments, and hold nothing in the clear', () => {
    const s = withCodecs(plain(), [encryption({ keys, currentKey: 'k-2' })]);
    const args = s.serialize(['o-1'], 'args');
    const a = s.forWorkflow!({ id: 'o-1', name: 'order', storedArgs: args });
    const b = withCodecs(plain(), [encryption({ keys, currentKey: 'k-1' })]).forWorkflow!({ id: 'o-1', name: 'order', storedArgs: args });
    const fingerprint = a.fingerprint!(['TOP-SECRET-4711', 42], 'args of task charge');
    expect(fingerprint).toMatch(/^hmac-[0-9a-f]{32}$/);
    // After a rotation (another current key) the same workflow's fingerprints do not change.
    expect(b.fingerprint!(['TOP-SECRET-4711', 42], 'args')).toBe(fingerprint);
    expect(a.fingerprint!(['TOP-SECRET-4711', 43], 'args')).not.toBe(fingerprint);
  });

  it('refuses bad keys and options before anything is encrypted, never showing key material', () => {
    const bad = randomBytes(16).toString('base64');
    const short = caught(() => encryption({ keys: { 'k-1': bad }, currentKey: 'k-1' }));
    expect(short).toBeInstanceOf(ValidationError);
    expect(short.message).toMatch(/key "k-1" must be 32 bytes/);
    expect(short.message).not.toContain(bad);
    expect(() => encryption({ keys: { 'bad id': K1 }, currentKey: 'bad id' })).toThrow(/invalid key id "bad id"/);
    expect(() => encryption({ keys, currentKey: 'k-3' })).toThrow(/currentKey "k-3" is not one of the keys \(k-1, k-2\)/);
    expect(() => encryption({ keys, currentKey: 'k-1', tenant: () => 'acme' })).toThrow(/tenant needs tenantKeys/);
    expect(() => encryption({ keys: {}, currentKey: 'k-1' })).toThrow(/keys is empty/);
    expect(() => withCodecs(plain(), [compression(), compression()])).toThrow(/names "gzip" twice/);
    expect(() => withCodecs(plain(), [{ name: 'x' } as never])).toThrow(/codec\[0\] must be a payload codec/);
  });

  it('reads keys from the environment: the first is current; tenants map to key ids', () => {
    expect(encryptionKeysFromEnv({})).toBeUndefined();
    const options = encryptionKeysFromEnv({ STEADFAST_ENCRYPTION_KEYS: `k-2=${K2}, k-1=${K1.toString('base64')}`, STEADFAST_TENANT_KEYS: 'acme=acme-1' })!;
    expect(options.currentKey).toBe('k-2');
    expect(Object.keys(options.keys)).toEqual(['k-2', 'k-1']);
    expect(options.tenantKeys).toEqual({ acme: 'acme-1' });
    expect(() => encryptionKeysFromEnv({ STEADFAST_ENCRYPTION_KEYS: 'k-2' })).toThrow(/expected id=value entries/);
  });

  it('inspection shows a payload it cannot decrypt as an EncryptedValue naming the key', async () => {
    const stored = withCodecs(plain(), [encryption({ keys, currentKey: 'k-1' })]).serialize(VALUE, 'args');
    const { inspectPayload } = await import('../src/foundation/codec/codec-serializer.js');
    const shown = inspectPayload(stored, withCodecs(plain(), undefined) as Serializer);
    expect(shown).toBeInstanceOf(EncryptedValue);
    expect(String(shown)).toBe('encrypted (key k-1)');
  });
});
