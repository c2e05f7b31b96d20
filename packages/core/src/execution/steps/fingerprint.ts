import { createHash } from 'node:crypto';
import type { Serializer } from '../../foundation/serialization.js';

/** `<hash>:<preview>` of a step's serialized arguments, so a replay with other arguments is caught. */
export function argumentFingerprint(serializer: Serializer, args: unknown[], label: string): string {
  const encoded = serializer.serialize(args, label);
  const hash = createHash('sha256').update(encoded).digest('hex').slice(0, 16);
  return `${hash}:${encoded.length > 120 ? encoded.slice(0, 119) + '…' : encoded}`;
}
