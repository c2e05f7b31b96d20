import { Buffer } from 'node:buffer';
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { EncryptedPayloadError, ValidationError } from '../errors.js';
import { checkOptionKeys, describe } from '../names.js';
import type { PayloadWorkflow } from '../serialization.js';
import type { EncodedLayer, PayloadCodec, PayloadScope } from './payload-codec.js';

/** A 32-byte key: the bytes, or their base64. */
export type EncryptionKey = Uint8Array | string;

/** Options of {@link encryption}. */
export interface EncryptionOptions {
  /**
   * Every key this process may decrypt with, by key id (`A-Z a-z 0-9 . _ : / -`, at most 100 characters): 32
   * bytes each, as a Buffer or base64. Keep the old ones after a rotation: payloads stored with them are read
   * with them, never re-encrypted. Required.
   */
  keys: Readonly<Record<string, EncryptionKey>>;
  /** The key id new payloads of no tenant are encrypted with. Required. */
  currentKey: string;
  /**
   * Which tenant a new workflow belongs to (null for none), from its id, name or concurrencyKey; chosen once,
   * when it is created: its children, steps, events and signals follow it. Default: no tenants.
   *
   * @example
   * ```ts
   * tenant: (workflow) => workflow.concurrencyKey ?? null
   * ```
   */
  tenant?: (workflow: PayloadWorkflow) => string | null | undefined;
  /**
   * The key id a tenant's new payloads are encrypted with (a record by tenant, or a function); required with
   * `tenant`. Delete a tenant's keys from `keys` (and from here) to make its payloads unreadable: new payloads
   * for it are then refused with `EncryptedPayloadError` before anything is stored.
   */
  tenantKeys?: Readonly<Record<string, string>> | ((tenant: string) => string | undefined);
}

const ALGORITHM = 'aes-256-gcm';
const KEY_ID = /^[A-Za-z0-9._:/-]{1,100}$/;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * A payload codec that encrypts every payload with AES-256-GCM (node:crypto; a random 96-bit IV per payload,
 * authenticated together with the key id and tenant written beside it), so a database dump holds no payload in
 * the clear. Each envelope names its key id: several keys can be known for rotation (decrypt with any, encrypt
 * with the current one), and tenants can have keys of their own, so that deleting a tenant's keys makes its
 * payloads unreadable (crypto-shredding). A payload whose key is missing, or whose key id names another key,
 * fails with an `EncryptedPayloadError` that names the key id; it never decrypts to garbage.
 *
 * Ids, names, queues, statuses, timestamps, keys of events and streams, and signal names stay in the clear.
 *
 * @example
 * ```ts
 * encryption({ keys: { 'k-2': process.env.KEY_2!, 'k-1': process.env.KEY_1! }, currentKey: 'k-2' })
 * ```
 */
export function encryption(options: EncryptionOptions): PayloadCodec {
  checkOptionKeys(options, ['keys', 'currentKey', 'tenant', 'tenantKeys'], 'encryption()');
  const keys = checkKeys(options.keys);
  if (!keys.has(options.currentKey)) {
    throw new ValidationError(`encryption(): currentKey ${describe(options.currentKey)} is not one of the keys (${[...keys.keys()].join(', ')})`);
  }
  if (options.tenant !== undefined && typeof options.tenant !== 'function') throw new ValidationError('encryption(): tenant must be a function (workflow) => string | null');
  if (options.tenant !== undefined && options.tenantKeys === undefined) throw new ValidationError('encryption(): tenant needs tenantKeys: the key id of each tenant');
  const tenantKeys = options.tenantKeys;
  const tenantKey = typeof tenantKeys === 'function' ? tenantKeys : (tenant: string) => (tenantKeys && Object.hasOwn(tenantKeys, tenant) ? tenantKeys[tenant] : undefined);
  const digestKeys = new Map<string, Buffer>();

  /** The key of `keyId`, or the error that names what is missing. */
  const key = (keyId: string, tenant: string | null): Buffer => {
    const found = keys.get(keyId);
    if (found) return found;
    throw new EncryptedPayloadError(
      keyId, 'missing-key',
      `cannot decrypt a payload encrypted with key ${JSON.stringify(keyId)}${tenant === null ? '' : ` (tenant ${JSON.stringify(tenant)})`}: this process has no key of that id ` +
        `(it has ${[...keys.keys()].join(', ')}). Give it the key; if the key was deleted on purpose, the payload cannot be read again`,
      tenant,
    );
  };

  return {
    name: ALGORITHM,
    scopeOf(workflow) {
      const tenant = options.tenant?.(workflow) ?? null;
      if (tenant !== null && (typeof tenant !== 'string' || tenant.length === 0)) throw new ValidationError(`encryption(): tenant() returned ${describe(tenant)} for workflow ${workflow.id}; expected a non-empty string or null`);
      return { tenant };
    },
    encode(data, scope) {
      const keyId = scope.tenant === null ? options.currentKey : tenantKey(scope.tenant);
      if (keyId === undefined || !keys.has(keyId)) {
        throw new EncryptedPayloadError(
          keyId ?? null, 'no-tenant-key',
          `cannot encrypt a payload of tenant ${JSON.stringify(scope.tenant)}: ${keyId === undefined ? 'tenantKeys names no key for it' : `its key ${JSON.stringify(keyId)} is not one of the keys`} (was it deleted?); nothing was stored`,
          scope.tenant,
        );
      }
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv(ALGORITHM, keys.get(keyId)!, iv);
      cipher.setAAD(associatedData(keyId, scope.tenant));
      const encrypted = Buffer.concat([cipher.update(data), cipher.final()]);
      return { data: Buffer.concat([iv, cipher.getAuthTag(), encrypted]), keyId, tenant: scope.tenant };
    },
    decode(layer: EncodedLayer) {
      const keyId = layer.keyId;
      const tenant = layer.tenant ?? null;
      if (keyId === undefined) throw new EncryptedPayloadError(null, 'wrong-key', 'cannot decrypt a payload: its envelope names no key id');
      const secret = key(keyId, tenant);
      try {
        const decipher = createDecipheriv(ALGORITHM, secret, layer.data.subarray(0, IV_BYTES));
        decipher.setAAD(associatedData(keyId, tenant));
        decipher.setAuthTag(layer.data.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
        return Buffer.concat([decipher.update(layer.data.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
      } catch {
        throw new EncryptedPayloadError(
          keyId, 'wrong-key',
          `cannot decrypt a payload encrypted with key ${JSON.stringify(keyId)}: the key of that id here is not the one it was encrypted with, or the payload was altered`,
          tenant,
        );
      }
    },
    digest(text, scope: PayloadScope) {
      const keyId = scope.anchorKeyId;
      if (keyId === undefined || !keys.has(keyId)) return undefined;
      let hmacKey = digestKeys.get(keyId);
      if (!hmacKey) digestKeys.set(keyId, (hmacKey = Buffer.from(hkdfSync('sha256', keys.get(keyId)!, Buffer.alloc(0), 'steadfast argument fingerprint', 32))));
      return `hmac-${createHmac('sha256', hmacKey).update(text).digest('hex').slice(0, 32)}`;
    },
  };
}

/** Bound into the authentication tag: a payload moved under another key id or tenant does not decrypt. */
function associatedData(keyId: string, tenant: string | null): Buffer {
  return Buffer.from(JSON.stringify(['steadfast', 1, keyId, tenant]), 'utf8');
}

/** Every key 32 bytes under a valid id; messages name the id, never the key material. */
function checkKeys(keys: unknown): Map<string, Buffer> {
  if (typeof keys !== 'object' || keys === null || Array.isArray(keys)) throw new ValidationError('encryption(): keys must be an object of key id → 32-byte key (a Buffer or base64)');
  const checked = new Map<string, Buffer>();
  for (const [id, value] of Object.entries(keys as Record<string, unknown>)) {
    if (!KEY_ID.test(id)) throw new ValidationError(`encryption(): invalid key id ${describe(id)}: use A-Z, a-z, 0-9, . _ : / -, at most 100 characters`);
    const bytes = typeof value === 'string' && /^[A-Za-z0-9+/_-]+={0,2}$/.test(value) ? Buffer.from(value, 'base64') : value instanceof Uint8Array ? Buffer.from(value) : undefined;
    if (bytes?.length !== 32) throw new ValidationError(`encryption(): key ${JSON.stringify(id)} must be 32 bytes (a Buffer, or 44 characters of base64); it is not`);
    checked.set(id, bytes);
  }
  if (checked.size === 0) throw new ValidationError('encryption(): keys is empty');
  return checked;
}

/**
 * Encryption options from the environment, for processes configured there (the steadfast command reads it):
 * `STEADFAST_ENCRYPTION_KEYS` is `id=base64,id=base64` (the first is the current key) and
 * `STEADFAST_TENANT_KEYS`, if set, `tenant=keyId,…`. Undefined when no keys are set.
 */
export function encryptionKeysFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): EncryptionOptions | undefined {
  const list = env.STEADFAST_ENCRYPTION_KEYS?.trim();
  if (!list) return undefined;
  const pairs = (text: string, what: string) =>
    text.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '').map((entry) => {
      const at = entry.indexOf('=');
      if (at <= 0 || at === entry.length - 1) throw new ValidationError(`${what}: expected id=value entries separated by commas; an entry has no "=" or an empty side`);
      return [entry.slice(0, at), entry.slice(at + 1)] as const;
    });
  const keys = pairs(list, 'STEADFAST_ENCRYPTION_KEYS');
  const tenants = env.STEADFAST_TENANT_KEYS?.trim();
  return {
    keys: Object.fromEntries(keys),
    currentKey: keys[0]![0],
    ...(tenants ? { tenantKeys: Object.fromEntries(pairs(tenants, 'STEADFAST_TENANT_KEYS')) } : {}),
  };
}
