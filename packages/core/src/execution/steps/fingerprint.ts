import { createHash } from 'node:crypto';
import * as crypto from 'node:crypto';
import type { Serializer } from '../../foundation/serialization.js';

/**
 * `<hash>:<preview>` of a step's serialized arguments, so a replay with other arguments is caught; the
 * serializer's own fingerprint when it has one (payload codecs: a keyed digest, no preview in the clear).
 */
export function argumentFingerprint(serializer: Serializer, args: unknown[], label: string): string {
  if (serializer.fingerprint) return serializer.fingerprint(args, label);
  const encoded = serializer.serialize(args, label);
  const hash = sha256(encoded).slice(0, 16);
  return `${hash}:${encoded.length > 120 ? encoded.slice(0, 119) + '…' : encoded}`;
}

// One-shot hashing (Node 20.12+) allocates no Hash object; the digest is the same SHA-256.
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;
const sha256 = oneShot ? (data: string) => oneShot('sha256', data, 'hex') : (data: string) => createHash('sha256').update(data).digest('hex');
