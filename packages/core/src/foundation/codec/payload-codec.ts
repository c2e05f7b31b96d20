import type { Buffer } from 'node:buffer';
import type { PayloadWorkflow } from '../serialization.js';

/**
 * A step of a payload codec chain (the `codec` runtime and client option): bytes in, bytes out, around the
 * serializer, applied to every stored payload (arguments, results, errors, events, stream chunks, signals).
 * Ship your own or use the built-in `compression()` and `encryption()`.
 *
 * @example
 * ```ts
 * const runtime = new Runtime({ storage, codec: [compression(), encryption({ keys, currentKey: 'k-2' })] });
 * ```
 */
export interface PayloadCodec {
  /** Names the codec in each envelope it writes, so the chain finds it to decode: `[a-z0-9-]`, 1 to 40 characters. */
  readonly name: string;
  /** Encodes bytes for storage; undefined leaves them as they are (this codec adds nothing here, e.g. too small to compress). */
  encode(data: Buffer, scope: PayloadScope): EncodedLayer | undefined;
  /** Decodes a layer this codec encoded; throws a clear error (e.g. `EncryptedPayloadError`) when it cannot. */
  decode(layer: EncodedLayer): Buffer;
  /** For codecs that write per tenant: the scope of a new workflow's payloads. Default: the scope of no tenant. */
  scopeOf?(workflow: PayloadWorkflow): PayloadScope | undefined;
  /**
   * A digest of a step's serialized arguments keyed by a secret of the scope, for the fingerprint checked on
   * replay (so it confirms no guess of them to a reader of the database). Undefined: a plain hash is used.
   */
  digest?(text: string, scope: PayloadScope): string | undefined;
}

/** Which of its keys a codec writes a payload with: chosen for a workflow when it is created, and kept. */
export interface PayloadScope {
  /** The tenant whose key encrypts the workflow's payloads; null for none (the current key of no tenant). */
  tenant: string | null;
  /** The key id that encrypted the workflow's arguments: it never changes for the workflow, so digests keyed by it stay stable. */
  anchorKeyId?: string;
}

/** One layer of an envelope: the bytes, and what the codec needs written beside them in the clear. */
export interface EncodedLayer {
  data: Buffer;
  /** The id of the key that encrypted it, if a key did. */
  keyId?: string;
  /** The tenant it was written for, if any. */
  tenant?: string | null;
}

/**
 * A payload that could not be decrypted here, as inspection shows it (`info()`, `steps()`, `events()`, the
 * CLI, the dashboard): instead of failing, the value is this, naming the key. As JSON:
 * `{ "$encrypted": true, "keyId": "...", "tenant": ..., "reason": "..." }`.
 */
export class EncryptedValue {
  readonly $encrypted = true;

  constructor(
    readonly keyId: string | null,
    readonly tenant: string | null,
    /** Why it cannot be read: the error's message. */
    readonly reason: string,
  ) {}

  toString(): string {
    return this.keyId === null ? 'encrypted' : `encrypted (key ${this.keyId})`;
  }
}
