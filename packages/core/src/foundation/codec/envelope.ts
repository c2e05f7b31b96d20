import { Buffer } from 'node:buffer';
import { EncryptedPayloadError, SerializationError } from '../errors.js';
import type { EncodedLayer, PayloadCodec, PayloadScope } from './payload-codec.js';

/**
 * How an encoded payload is stored: still JSON (adapters embed stored errors in event data as JSON), and a
 * tagged value the serializer never writes, so it cannot be mistaken for one:
 * `{"$sf":"encoded","v":{"codecs":[{"name":"gzip"},{"name":"aes-256-gcm","key":"k-2","tenant":"acme"}],"data":"<base64>"}}`.
 * Codecs are listed in the order they were applied; what a codec needs to decode (a key id, a tenant) stands
 * beside its name, readable without any key.
 */
export const ENVELOPE_PREFIX = '{"$sf":"encoded","v":';

interface EnvelopeLayer {
  name: string;
  key?: string;
  tenant?: string | null;
}

interface Envelope {
  codecs: EnvelopeLayer[];
  data: string;
}

/** Applies the codecs in order; the text as it is if none of them encoded anything. */
export function encodeEnvelope(text: string, codecs: readonly PayloadCodec[], scope: PayloadScope): string {
  let data: Buffer = Buffer.from(text, 'utf8');
  const layers: EnvelopeLayer[] = [];
  for (const codec of codecs) {
    const layer = codec.encode(data, scope);
    if (!layer) continue;
    data = layer.data;
    layers.push({ name: codec.name, ...(layer.keyId !== undefined && { key: layer.keyId }), ...(layer.tenant !== undefined && { tenant: layer.tenant }) });
  }
  if (layers.length === 0) return text;
  return JSON.stringify({ $sf: 'encoded', v: { codecs: layers, data: data.toString('base64') } });
}

/** Undoes the layers, last first, with the codecs found by name. */
export function decodeEnvelope(text: string, codecs: ReadonlyMap<string, PayloadCodec>): string {
  const envelope = parseEnvelope(text);
  let data: Buffer = Buffer.from(envelope.data, 'base64');
  for (const layer of [...envelope.codecs].reverse()) {
    const codec = codecs.get(layer.name);
    if (!codec) {
      if (layer.key !== undefined) {
        throw new EncryptedPayloadError(
          layer.key, 'no-codec',
          `a payload is encoded with ${layer.name} (key ${JSON.stringify(layer.key)}), but no codec of that name is configured here: ` +
            'pass it in the codec option (the steadfast command reads keys from STEADFAST_ENCRYPTION_KEYS)',
          layer.tenant ?? null,
        );
      }
      throw new SerializationError('value', `cannot decode a payload encoded with ${JSON.stringify(layer.name)}: no codec of that name is configured here`);
    }
    const encoded: EncodedLayer = { data };
    if (layer.key !== undefined) encoded.keyId = layer.key;
    if (layer.tenant !== undefined) encoded.tenant = layer.tenant;
    data = codec.decode(encoded);
  }
  return data.toString('utf8');
}

/** The scope a stored payload was written in (its last layer that names a key), or undefined for plain text. */
export function storedScope(text: string): PayloadScope | undefined {
  if (!text.startsWith(ENVELOPE_PREFIX)) return undefined;
  const keyed = parseEnvelope(text).codecs.filter((layer) => layer.key !== undefined).pop();
  return keyed ? { tenant: keyed.tenant ?? null, anchorKeyId: keyed.key! } : undefined;
}

function parseEnvelope(text: string): Envelope {
  let v: unknown;
  try {
    v = (JSON.parse(text) as { v?: unknown }).v;
  } catch (error) {
    throw new SerializationError('value', `cannot decode an encoded payload: it is not valid JSON (${(error as Error).message})`);
  }
  const envelope = v as Partial<Envelope> | undefined;
  const valid =
    typeof envelope?.data === 'string' &&
    Array.isArray(envelope.codecs) &&
    envelope.codecs.every((l) => typeof l?.name === 'string' && (l.key === undefined || typeof l.key === 'string') && (l.tenant === undefined || l.tenant === null || typeof l.tenant === 'string'));
  if (!valid) throw new SerializationError('value', 'cannot decode an encoded payload: its envelope is malformed');
  return envelope as Envelope;
}
