import { createHash } from 'node:crypto';
import { EncryptedPayloadError, SteadfastError, ValidationError } from '../errors.js';
import type { PayloadWorkflow, Serializer } from '../serialization.js';
import { checkCodec, compression, GZIP } from './compression.js';
import { decodeEnvelope, encodeEnvelope, ENVELOPE_PREFIX, storedScope } from './envelope.js';
import { EncryptedValue, type PayloadCodec, type PayloadScope } from './payload-codec.js';

const NO_TENANT: PayloadScope = { tenant: null };

/**
 * The serializer wrapped in a codec chain: `serialize` encodes the serializer's text with each codec in order
 * (into an envelope, see envelope.ts), `deserialize` undoes them. Plain text (written before a codec was
 * configured) still reads, so does gzip without a compression codec; with no codecs, writes are plain.
 * `forWorkflow` gives the serializer of one workflow, whose codecs write in its scope: its tenant, chosen from
 * the workflow when it is created (`scopeOf`), or read from the envelope of its stored arguments once it exists.
 */
export function withCodecs(inner: Serializer, chain: PayloadCodec | readonly PayloadCodec[] | undefined): Serializer {
  // Options resolved once are resolved again by the client a runtime composes: wrap once.
  if (chain === undefined && wrapped.has(inner)) return inner;
  const codecs = (chain === undefined ? [] : Array.isArray(chain) ? chain : [chain]).map((codec, i) => checkCodec(codec, `codec[${i}]`));
  const names = codecs.map((codec) => codec.name);
  const twice = names.find((name, i) => names.indexOf(name) !== i);
  if (twice !== undefined) throw new ValidationError(`the codec chain names ${JSON.stringify(twice)} twice`);
  const decoders = new Map<string, PayloadCodec>([[GZIP, compression()], ...codecs.map((codec) => [codec.name, codec] as const)]);
  const decode = (text: string) => (text.startsWith(ENVELOPE_PREFIX) ? decodeEnvelope(text, decoders) : text);

  const scopeFor = (workflow: PayloadWorkflow): PayloadScope => {
    const stored = workflow.storedArgs === undefined ? undefined : storedScope(workflow.storedArgs);
    if (stored) return stored;
    for (const codec of codecs) {
      const scope = codec.scopeOf?.(workflow);
      if (scope) return scope;
    }
    return NO_TENANT;
  };

  const make = (scope: PayloadScope): Serializer => {
    const encode = (text: string) => (codecs.length === 0 ? text : encodeEnvelope(text, codecs, scope));
    const serializer: Serializer = {
      serialize: (value, label) => encode(inner.serialize(value, label)),
      deserialize: (text) => inner.deserialize(decode(text)),
      serializeError(error) {
        const text = inner.serializeError(error);
        try {
          return encode(text);
        } catch (codecError) {
          // Never throws, and must not store the error's own text in the clear: what failed is said instead.
          return inner.serializeError(new SteadfastError('PAYLOAD_CODEC', `an error could not be encoded for storage: ${(codecError as Error).message}`));
        }
      },
      deserializeError(text) {
        try {
          return inner.deserializeError(decode(text));
        } catch (error) {
          // What is known of an error that cannot be decrypted here is that: the error says so, naming the key.
          if (error instanceof EncryptedPayloadError) return error;
          throw error;
        }
      },
      registerErrorClass: (...classes) => inner.registerErrorClass(...classes),
    };
    if (codecs.length > 0) {
      serializer.forWorkflow = (workflow) => make(scopeFor(workflow));
      serializer.fingerprint = (args, label) => {
        const text = inner.serialize(args, label);
        for (const codec of codecs) {
          const digest = codec.digest?.(text, scope);
          if (digest !== undefined) return digest;
        }
        return createHash('sha256').update(text).digest('hex').slice(0, 16);
      };
    }
    return serializer;
  };
  const serializer = make(NO_TENANT);
  wrapped.add(serializer);
  return serializer;
}

/** Serializers made by {@link withCodecs}. */
const wrapped = new WeakSet<Serializer>();

/**
 * A stored payload decoded for inspection: one that cannot be decrypted here becomes an {@link EncryptedValue}
 * naming the key, instead of an error (the CLI and the dashboard show "encrypted").
 */
export function inspectPayload(text: string, serializer: Serializer): unknown {
  try {
    return serializer.deserialize(text);
  } catch (error) {
    if (error instanceof EncryptedPayloadError) return new EncryptedValue(error.keyId, error.tenant, error.message);
    throw error;
  }
}
