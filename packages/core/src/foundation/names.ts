import { ValidationError } from './errors.js';

const MAX_NAME_LENGTH = 200;
// Control characters and the Unicode line/paragraph separators make ids unreadable in logs and URLs.
const FORBIDDEN = /[\u0000-\u001f\u007f\u2028\u2029]/;

/**
 * Checks a workflow or task name, a queue name or a workflow id: a non-empty string of at most 200
 * characters without control characters. Names are data (bound as parameters), never identifiers, so
 * anything else is allowed.
 */
export function validateName(value: unknown, what: string): string {
  if (typeof value !== 'string') {
    throw new ValidationError(`invalid ${what}: expected a string, got ${describe(value)}`);
  }
  if (value.length === 0 || value.trim().length === 0) {
    throw new ValidationError(`invalid ${what}: it is empty`);
  }
  if (value.length > MAX_NAME_LENGTH) {
    throw new ValidationError(`invalid ${what} ${JSON.stringify(value.slice(0, 40) + '…')}: longer than ${MAX_NAME_LENGTH} characters`);
  }
  if (FORBIDDEN.test(value)) {
    throw new ValidationError(`invalid ${what} ${JSON.stringify(value)}: contains a control character`);
  }
  return value;
}

/** Checks an integer option within bounds, naming it in the error. */
export function validateInteger(value: unknown, what: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ValidationError(`invalid ${what}: ${describe(value)} (expected a whole number from ${min} to ${max})`);
  }
  return value;
}

/** A short, safe description of a value for error messages. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? value.slice(0, 60) + '…' : value);
  if (typeof value === 'function') return `a function${value.name ? ` (${value.name})` : ''}`;
  if (typeof value === 'symbol' || typeof value === 'bigint') return String(value);
  if (value === null || typeof value !== 'object') return String(value);
  if (Array.isArray(value)) return 'an array';
  const ctor = (value as object).constructor?.name;
  return ctor && ctor !== 'Object' ? `an instance of ${ctor}` : 'an object';
}

/** Refuses a non-object or an unknown key in an options object, naming the owner and the known keys. */
export function checkOptionKeys(options: unknown, allowed: readonly string[], owner: string): void {
  if (typeof options !== 'object' || options === null) {
    throw new ValidationError(`invalid options for ${owner}: expected an object, got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) throw new ValidationError(`unknown option ${JSON.stringify(key)} for ${owner}; known options: ${allowed.join(', ')}`);
  }
}
