/**
 * For integrations that show workflows (the Express API, the CLI's --json): converts any value a workflow may hold (its arguments, result, error, event data) into plain JSON,
 * without throwing: `Date` → ISO string, `BigInt` → decimal string, `Map` → array of `[key, value]` pairs,
 * `Set` → array, `Error` → `{ name, message, code?, stack?, cause? }`, `NaN`/`±Infinity` → string,
 * `undefined` → `null` in arrays and omitted in objects, functions and symbols → omitted (`null` in arrays),
 * a repeated reference on the same branch → `"[Circular]"`, deeper than 32 levels → `"[Truncated]"`.
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const MAX_DEPTH = 32;

export interface ToJsonOptions {
  /** Keep object fields whose value is `undefined` as `null` (a stable shape for scripts) instead of omitting them. Default false. */
  undefinedAsNull?: boolean;
}

export function toJsonValue(value: unknown, options: ToJsonOptions = {}): Json {
  return convert(value, 0, new Set(), options.undefinedAsNull === true);
}

/** An error as JSON: its name, message, `code` when it has one, stack, and cause (recursively). */
export function errorToJson(error: unknown): Json {
  return convert(error, 0, new Set(), false);
}

function convert(value: unknown, depth: number, ancestors: Set<object>, keepUndefined: boolean): Json {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'bigint':
      return value.toString();
    case 'undefined':
    case 'function':
    case 'symbol':
      return null;
  }
  if (value === null) return null;
  const object = value as object;
  if (depth >= MAX_DEPTH) return '[Truncated]';
  if (ancestors.has(object)) return '[Circular]';
  ancestors.add(object);
  try {
    return convertObject(object, depth + 1, ancestors, keepUndefined);
  } finally {
    ancestors.delete(object);
  }
}

function convertObject(object: object, depth: number, ancestors: Set<object>, keepUndefined: boolean): Json {
  if (object instanceof Date) return Number.isNaN(object.getTime()) ? null : object.toISOString();
  if (object instanceof Error) return convertError(object, depth, ancestors, keepUndefined);
  if (Array.isArray(object)) return object.map((item) => convert(item, depth, ancestors, keepUndefined));
  if (object instanceof Map) return [...object].map(([k, v]) => [convert(k, depth, ancestors, keepUndefined), convert(v, depth, ancestors, keepUndefined)]);
  if (object instanceof Set) return [...object].map((item) => convert(item, depth, ancestors, keepUndefined));
  if (ArrayBuffer.isView(object)) return Array.from(object as unknown as ArrayLike<number>, (n) => convert(n, depth, ancestors, keepUndefined));
  const out: { [key: string]: Json } = {};
  for (const key of safeKeys(object)) {
    const item = safeGet(object, key);
    if (item === undefined && keepUndefined) out[key] = null;
    if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
    out[key] = convert(item, depth, ancestors, keepUndefined);
  }
  return out;
}

function convertError(error: Error, depth: number, ancestors: Set<object>, keepUndefined: boolean): Json {
  const out: { [key: string]: Json } = {
    name: String(safeGet(error, 'name') ?? 'Error'),
    message: String(safeGet(error, 'message') ?? ''),
  };
  const code = safeGet(error, 'code');
  if (code !== undefined && code !== null) out.code = typeof code === 'number' ? code : String(code);
  const stack = safeGet(error, 'stack');
  if (typeof stack === 'string') out.stack = stack;
  const cause = safeGet(error, 'cause');
  if (cause !== undefined) out.cause = convert(cause, depth, ancestors, keepUndefined);
  // Other own fields (e.g. `workflowId`, `path`), which error classes add to explain themselves.
  for (const key of safeKeys(error)) {
    if (key in out || key === 'cause') continue;
    const item = safeGet(error, key);
    if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
    out[key] = convert(item, depth, ancestors, keepUndefined);
  }
  return out;
}

function safeKeys(object: object): string[] {
  try {
    return Object.keys(object);
  } catch {
    return [];
  }
}

function safeGet(object: object, key: string): unknown {
  try {
    return (object as Record<string, unknown>)[key];
  } catch {
    return '[Unreadable]';
  }
}
