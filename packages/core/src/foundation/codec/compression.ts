import { gunzipSync, gzipSync } from 'node:zlib';
import { SerializationError, ValidationError } from '../errors.js';
import { checkOptionKeys, validateInteger } from '../names.js';
import type { PayloadCodec } from './payload-codec.js';

/** Options of {@link compression}. */
export interface CompressionOptions {
  /** Payloads smaller than this (bytes) are stored as they are: gzip would not make them smaller. Default 512. */
  minBytes?: number;
  /** zlib's level, 1 (fastest) to 9 (smallest). Default 6. */
  level?: number;
  /** Largest payload a stored one may decompress to, so a crafted payload cannot exhaust memory. Default 64 MiB. */
  maxDecodedBytes?: number;
}

/** The name gzip envelopes carry; every codec chain decodes it, configured or not. */
export const GZIP = 'gzip';

/**
 * A payload codec that gzips payloads (node:zlib) of `minBytes` and more, when that makes them smaller. Put it
 * before `encryption()` in the chain: encrypted bytes do not compress.
 *
 * @example
 * ```ts
 * new Runtime({ storage, codec: [compression({ minBytes: 1024 })] });
 * ```
 */
export function compression(options: CompressionOptions = {}): PayloadCodec {
  checkOptionKeys(options, ['minBytes', 'level', 'maxDecodedBytes'], 'compression()');
  const minBytes = validateInteger(options.minBytes ?? 512, 'minBytes of compression()', 0, 1 << 30);
  const level = validateInteger(options.level ?? 6, 'level of compression()', 1, 9);
  const maxDecodedBytes = validateInteger(options.maxDecodedBytes ?? 64 << 20, 'maxDecodedBytes of compression()', 1, 1 << 30);
  return {
    name: GZIP,
    encode(data) {
      if (data.length < minBytes) return undefined;
      const compressed = gzipSync(data, { level });
      return compressed.length < data.length ? { data: compressed } : undefined;
    },
    decode({ data }) {
      try {
        return gunzipSync(data, { maxOutputLength: maxDecodedBytes });
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (code === 'ERR_BUFFER_TOO_LARGE') throw new SerializationError('value', `cannot decompress a payload: it decompresses to more than ${maxDecodedBytes} bytes (maxDecodedBytes of compression())`);
        throw new SerializationError('value', `cannot decompress a payload: ${(error as Error).message}`);
      }
    },
  };
}

/** Refuses what is not a codec, naming the place. */
export function checkCodec(codec: unknown, where: string): PayloadCodec {
  const c = codec as Partial<PayloadCodec> | null;
  if (typeof c !== 'object' || c === null || typeof c.encode !== 'function' || typeof c.decode !== 'function' || typeof c.name !== 'string') {
    throw new ValidationError(`${where} must be a payload codec { name, encode, decode }, such as compression() or encryption({ keys, currentKey })`);
  }
  if (!/^[a-z0-9-]{1,40}$/.test(c.name)) throw new ValidationError(`invalid codec name ${JSON.stringify(c.name)} in ${where}: use a-z, 0-9 and -, at most 40 characters`);
  return c as PayloadCodec;
}
