/**
 * Tagged-JSON codec for workflow arguments, step results and errors.
 *
 * Payloads are stored as JSON text so a person can read them in a SQL client. Plain JSON values encode
 * as themselves; values JSON cannot hold encode as `{"$sf": "<tag>", "v": ...}` with the tags
 * `undefined`, `number` (NaN, Infinity, -Infinity, -0), `bigint`, `date`, `map`, `set`, `error`, and
 * `object` (a plain object that has its own `$sf` key, wrapped so it is not read as a tag).
 *
 * Refusals name the location in JS-ish syntax starting from the label: `args[1].callback`,
 * `args[0]["weird key"]`. Inside a Map the value for a key is written `args[0].get("a")` (primitive keys
 * as literals, other keys as `<key #2>`, the entry index) and the key itself `args[0].<key #2>`; a Set
 * element is `args[0].<element #3>`.
 *
 * Payloads nested deeper than `maxDepth` levels are refused on encode and on decode, so a deep value fails
 * with a SerializationError instead of overflowing the call stack: the walk checks the depth before it
 * descends, and the limit is far below the depth at which the stack would run out.
 */
import { Buffer } from 'node:buffer';
import { PayloadTooLargeError, SerializationError, SteadfastError, ValidationError } from './errors.js';

export type ErrorClass = new (...args: any[]) => Error;

/** Default for {@link SerializerOptions.maxPayloadBytes}: 1 MiB. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 1_048_576;

/** Default for {@link SerializerOptions.maxDepth}: 256 levels. */
export const DEFAULT_MAX_DEPTH = 256;
// The walk takes about five stack frames a level, and from an empty stack Node's default stack overflowed
// near 1,270 levels of plain objects; this ceiling leaves the caller's own frames a wide margin.
const MAX_DEPTH_CEILING = 512;

export interface SerializerOptions {
  /** Largest serialized payload in bytes (UTF-8). Default 1 MiB (1_048_576). */
  maxPayloadBytes?: number;
  /**
   * Deepest nesting of a payload, in levels of arrays, objects, Maps, Sets, Dates and errors (an argument
   * list is the first level, so an argument may nest one level less). Deeper payloads are refused with a
   * {@link SerializationError} on serialize and on deserialize. Default 256; at most 512.
   */
  maxDepth?: number;
  /** Extra error classes that may be revived by name, in addition to the built-in ones. Default none. */
  errorClasses?: ErrorClass[];
}

export interface Serializer {
  /**
   * Encode to JSON text. `label` names the root in error paths and messages, e.g. `'args'` or
   * `'result of Orders.charge'`. Throws {@link SerializationError} for values that cannot round-trip or are
   * nested deeper than `maxDepth`, and {@link PayloadTooLargeError} when the text is over `maxPayloadBytes`.
   */
  serialize(value: unknown, label: string): string;
  /**
   * Decode text made by `serialize`. Throws {@link SerializationError} on invalid JSON, an unknown tag, or
   * nesting deeper than `maxDepth`.
   */
  deserialize(text: string): unknown;
  /**
   * Encode an error (anything thrown) for storage; never throws: unserializable parts are replaced by their
   * String() (a cause) or left out (other properties), and an oversized error keeps only its name and message.
   */
  serializeError(error: unknown): string;
  /**
   * Decode an error stored by `serializeError`, reviving its class when allowed. Always returns an Error
   * instance; throws {@link SerializationError} only if the text itself is corrupt (or nested deeper than
   * `maxDepth`, which `serializeError` never writes).
   */
  deserializeError(text: string): Error;
  /** Registers more error classes that may be revived; a class replaces an earlier one of the same name. */
  registerErrorClass(...classes: ErrorClass[]): void;
  /**
   * A serializer for the payloads of one workflow, for a serializer that encodes them per workflow (a codec
   * chain picks the workflow's tenant key). Optional: without it, this serializer serves every workflow.
   */
  forWorkflow?(workflow: PayloadWorkflow): Serializer;
  /**
   * The fingerprint of a step's arguments, checked on replay, for a serializer whose output must not be used
   * for it (encrypted payloads differ on every write, and must not be kept in the clear). Optional: without
   * it, the fingerprint is a hash of `serialize(args)` and a preview of it.
   */
  fingerprint?(args: unknown[], label: string): string;
}

/** What a serializer for one workflow's payloads is told about the workflow (see `Serializer.forWorkflow`). */
export interface PayloadWorkflow {
  id: string;
  name: string;
  /** Its `concurrencyKey`, when it is being created with one. */
  concurrencyKey?: string | null;
  /** Its stored arguments, for a workflow that exists: its payloads keep the scope (tenant) they were written in. */
  storedArgs?: string;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/**
 * `lenient`: serializeError's mode, skip instead of refusing. `ancestors`: objects on the branch being walked,
 * with their paths, in order from the root (so its size is the depth).
 */
interface Walk { lenient: boolean; ancestors: Map<object, string>; maxDepth: number }

/** What a decode carries: the classes errors may be revived as, and the paths of the containers being decoded. */
interface Decoding { classes: Map<string, ErrorClass>; maxDepth: number; branch: string[] }

const TAG = '$sf';
const BUILTIN_ERRORS = [Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError, AggregateError];
const ERROR_FIELDS = new Set(['name', 'message', 'stack', 'code', 'cause', 'errors']);
// A Map, not an object literal: a payload string such as "constructor" must not find Object.prototype members.
const SPECIAL_NUMBERS = new Map([['NaN', NaN], ['Infinity', Infinity], ['-Infinity', -Infinity], ['-0', -0]]);
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
// Same symbol errors.ts brands with; revived errors skip the constructor, so the brand is restored here.
const STEADFAST_BRAND = Symbol.for('steadfast:error');

/**
 * Create a serializer. Example:
 * ```ts
 * const s = createSerializer({ errorClasses: [PaymentDeclinedError] });
 * const text = s.serialize([order, new Map([['a', 1n]])], 'args');
 * const args = s.deserialize(text);
 * ```
 */
export function createSerializer(options: SerializerOptions = {}): Serializer {
  const limit = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
  if (!Number.isSafeInteger(limit) || limit <= 0) {
    throw new ValidationError(`maxPayloadBytes must be a positive integer, got ${String(limit)}`);
  }
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  if (!Number.isSafeInteger(maxDepth) || maxDepth <= 0 || maxDepth > MAX_DEPTH_CEILING) {
    throw new ValidationError(`maxDepth must be a whole number from 1 to ${MAX_DEPTH_CEILING}, got ${String(maxDepth)}`);
  }
  const classes = new Map<string, ErrorClass>();
  const registerErrorClass = (...list: ErrorClass[]): void => {
    for (const cls of list) classes.set(errorClassName(cls), cls);
  };
  registerErrorClass(...BUILTIN_ERRORS, ...(options.errorClasses ?? []));
  const walk = (lenient: boolean): Walk => ({ lenient, ancestors: new Map(), maxDepth });
  const decoding = (): Decoding => ({ classes, maxDepth, branch: [] });

  return {
    serialize(value, label) {
      const text = JSON.stringify(encode(value, label, walk(false)));
      const bytes = Buffer.byteLength(text, 'utf8');
      if (bytes > limit) throw new PayloadTooLargeError(label, bytes, limit);
      return text;
    },
    deserialize: (text) => decode(parse(text), 'value', decoding()),
    serializeError(error) {
      try {
        const lenient = walk(true);
        const text = JSON.stringify(error instanceof Error ? encode(error, 'error', lenient) : encodeThrown(error, lenient));
        // Never throws, so an oversized error is cut down to what a reader needs most.
        return Buffer.byteLength(text, 'utf8') <= limit ? text : minimalError(error);
      } catch {
        return minimalError(error);
      }
    },
    deserializeError(text) {
      const value = decode(parse(text), 'error', decoding());
      return value instanceof Error ? value : new Error(typeof value === 'string' ? value : describe(value));
    },
    registerErrorClass,
  };
}

function encode(value: unknown, path: string, walk: Walk): Json {
  switch (typeof value) {
    case 'string':
    case 'boolean': return value;
    case 'number':
      if (Object.is(value, -0)) return tag('number', '-0');
      return Number.isFinite(value) ? value : tag('number', String(value));
    case 'bigint': return tag('bigint', value.toString());
    case 'undefined': return { [TAG]: 'undefined' };
    case 'function': throw refuse(path, 'a function is not serializable');
    case 'symbol': throw refuse(path, `a symbol (${String(value)}) is not serializable`);
  }
  if (value === null) return null;
  const obj = value as object;
  const seenAt = walk.ancestors.get(obj);
  if (seenAt !== undefined) {
    throw refuse(path, `a circular reference is not serializable (the value contains itself: ${path} is ${seenAt})`);
  }
  if (walk.ancestors.size >= walk.maxDepth) throw tooDeep('serialize', [...walk.ancestors.values()], path, walk.maxDepth);
  walk.ancestors.set(obj, path);
  try {
    return encodeObject(obj, path, walk);
  } finally {
    walk.ancestors.delete(obj);
  }
}

function encodeObject(obj: object, path: string, walk: Walk): Json {
  const proto: unknown = Object.getPrototypeOf(obj);
  if (proto === Array.prototype) {
    return Array.from(obj as unknown[], (item, i) => encode(item, `${path}[${i}]`, walk));
  }
  if (proto === Object.prototype || proto === null) {
    const symbol = Object.getOwnPropertySymbols(obj).find((s) => Object.prototype.propertyIsEnumerable.call(obj, s));
    if (symbol !== undefined) throw refuse(path, `a symbol key (${String(symbol)}) is not serializable`);
    const fields = encodeFields(obj, path, walk);
    return Object.hasOwn(fields, TAG) ? tag('object', fields) : fields;
  }
  if (proto === Date.prototype) {
    const date = obj as Date;
    return tag('date', Number.isNaN(date.getTime()) ? null : date.toISOString());
  }
  if (proto === Map.prototype) {
    return tag('map', Array.from(obj as Map<unknown, unknown>, ([k, v], i) => {
      const key = encode(k, `${path}.<key #${i}>`, walk);
      return [key, encode(v, `${path}.get(${describeMapKey(k, i)})`, walk)];
    }));
  }
  if (proto === Set.prototype) {
    return tag('set', Array.from(obj as Set<unknown>, (item, i) => encode(item, `${path}.<element #${i}>`, walk)));
  }
  if (obj instanceof Error) return tag('error', encodeError(obj, path, walk));
  const hint = 'convert it to a plain object (or a Date, Map, Set, BigInt or Error) before passing or returning it';
  throw refuse(path, `an instance of class ${className(proto)} is not serializable; ${hint}`);
}

/** Own enumerable string keys, except `skip`. Built on a null-prototype object so `__proto__` stays data. */
function encodeFields(obj: object, path: string, walk: Walk, skip?: Set<string>): JsonObject {
  const out: JsonObject = Object.create(null);
  for (const key of Object.keys(obj)) {
    if (skip?.has(key)) continue;
    const encoded = attempt(walk, () => encode((obj as Record<string, unknown>)[key], propPath(path, key), walk));
    if (encoded !== SKIP) setOwn(out, key, encoded);
  }
  return out;
}

function encodeError(error: Error, path: string, walk: Walk): JsonObject {
  const out: JsonObject = { name: safeString(error.name), message: safeString(error.message) };
  const ctor: unknown = Object.getPrototypeOf(error)?.constructor;
  const cls = typeof ctor === 'function' ? errorClassName(ctor) : out.name;
  // `name` is often left as 'Error' in subclasses, so the class is recorded when it differs.
  if (cls !== out.name) out.class = cls;
  if (typeof error.stack === 'string') out.stack = error.stack;
  const { code } = error as { code?: unknown };
  if (code !== undefined) {
    const encoded = attempt(walk, () => encode(code, `${path}.code`, walk));
    if (encoded !== SKIP) out.code = encoded;
  }
  if (Object.hasOwn(error, 'cause')) {
    try {
      out.cause = encode(error.cause, `${path}.cause`, walk);
    } catch (cause) {
      if (!walk.lenient && !(cause instanceof SerializationError)) throw cause;
      out.cause = safeString(error.cause);
    }
  }
  if (error instanceof AggregateError) {
    const errors = attempt(walk, () => encode(error.errors, `${path}.errors`, walk));
    if (errors !== SKIP) out.errors = errors;
  }
  const props = encodeFields(error, path, walk, ERROR_FIELDS);
  if (Object.keys(props).length > 0) out.props = props;
  return out;
}

/** A thrown non-Error becomes an Error record; a non-string keeps the thrown value as `thrown` when it encodes. */
function encodeThrown(thrown: unknown, walk: Walk): Json {
  if (typeof thrown === 'string') return tag('error', { name: 'Error', message: thrown });
  const record: JsonObject = { name: 'Error', message: `a non-Error value was thrown: ${describe(thrown)}` };
  const encoded = attempt(walk, () => encode(thrown, 'error.thrown', walk));
  if (encoded !== SKIP) record.props = { thrown: encoded };
  return tag('error', record);
}

/** Name and (cut) message only: the last resort of serializeError, for hostile or oversized errors. */
function minimalError(error: unknown): string {
  const field = (key: 'name' | 'message'): string => {
    const value = attempt(LENIENT, () => (error as Error)[key]);
    return value === SKIP ? '' : safeString(value);
  };
  const isError = error instanceof Error;
  const name = (isError && field('name')) || 'Error';
  const message = isError ? field('message') : safeString(error);
  const cut = message.length > 1024 ? `${message.slice(0, 1024)}… (truncated)` : message;
  return JSON.stringify(tag('error', { name, message: cut }));
}

const SKIP = Symbol('skip');
const LENIENT = { lenient: true };

/** Strict walks let refusals propagate; lenient ones (serializeError) turn any failure into SKIP. */
function attempt<T>(walk: { lenient: boolean }, run: () => T): T | typeof SKIP {
  if (!walk.lenient) return run();
  try {
    return run();
  } catch {
    return SKIP;
  }
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new SerializationError('value', `cannot deserialize: the text is not valid JSON (${safeString(error)})`);
  }
}

function decode(json: unknown, path: string, ctx: Decoding): unknown {
  if (Array.isArray(json)) return nested(ctx, path, () => json.map((item, i) => decode(item, `${path}[${i}]`, ctx)));
  if (!isRecord(json)) return json;
  if (!Object.hasOwn(json, TAG)) return nested(ctx, path, () => decodeFields(json, path, ctx));
  const { [TAG]: name, v } = json;
  const malformed = (): SerializationError =>
    new SerializationError(path, `cannot deserialize ${path}: malformed ${JSON.stringify(name)} value`);
  switch (name) {
    case 'undefined': return undefined;
    case 'number':
      if (typeof v !== 'string' || !SPECIAL_NUMBERS.has(v)) throw malformed();
      return SPECIAL_NUMBERS.get(v);
    case 'bigint':
      if (typeof v !== 'string' || !/^-?\d+$/.test(v)) throw malformed();
      return BigInt(v);
    case 'date':
      if (v !== null && typeof v !== 'string') throw malformed();
      return new Date(v === null ? NaN : v);
    case 'map':
      if (!Array.isArray(v) || !v.every((e) => Array.isArray(e) && e.length === 2)) throw malformed();
      return nested(ctx, path, () => new Map((v as [unknown, unknown][]).map(([k, val], i) => {
        const key = decode(k, `${path}.<key #${i}>`, ctx);
        return [key, decode(val, `${path}.get(${describeMapKey(key, i)})`, ctx)];
      })));
    case 'set':
      if (!Array.isArray(v)) throw malformed();
      return nested(ctx, path, () => new Set(v.map((item, i) => decode(item, `${path}.<element #${i}>`, ctx))));
    case 'object':
      if (!isRecord(v)) throw malformed();
      return nested(ctx, path, () => decodeFields(v, path, ctx));
    case 'error':
      if (!isRecord(v)) throw malformed();
      return nested(ctx, path, () => reviveError(v, path, ctx));
    default:
      throw new SerializationError(path, `cannot deserialize ${path}: unknown tag ${JSON.stringify(name)}`);
  }
}

/**
 * Decodes the contents of the container at `path` with `run`, one level deeper. The same containers count
 * as in encode (a leaf tag such as a BigInt does not), so whatever `serialize` accepted decodes.
 */
function nested<T>(ctx: Decoding, path: string, run: () => T): T {
  if (ctx.branch.length >= ctx.maxDepth) throw tooDeep('deserialize', ctx.branch, path, ctx.maxDepth);
  ctx.branch.push(path);
  try {
    return run();
  } finally {
    ctx.branch.pop();
  }
}

function decodeFields(json: Record<string, unknown>, path: string, ctx: Decoding): object {
  const out = {};
  for (const key of Object.keys(json)) setOwn(out, key, decode(json[key], propPath(path, key), ctx), true);
  return out;
}

/**
 * Only allowlisted classes are revived (a payload must not pick an arbitrary prototype), and without
 * calling the constructor, whose signature is unknown; every field becomes an own property.
 */
function reviveError(record: Record<string, unknown>, path: string, ctx: Decoding): Error {
  const name = typeof record.name === 'string' ? record.name : 'Error';
  const Class = ctx.classes.get(typeof record.class === 'string' ? record.class : name) ?? Error;
  const error = Object.create(Class.prototype) as Error;
  if (isRecord(record.props)) {
    for (const key of Object.keys(record.props)) {
      setOwn(error, key, decode(record.props[key], propPath(path, key), ctx), true);
    }
  }
  setOwn(error, 'name', name, false);
  setOwn(error, 'message', typeof record.message === 'string' ? record.message : '', false);
  if (typeof record.stack === 'string') setOwn(error, 'stack', record.stack, false);
  if (Object.hasOwn(record, 'code')) setOwn(error, 'code', decode(record.code, `${path}.code`, ctx), true);
  if (Object.hasOwn(record, 'cause')) setOwn(error, 'cause', decode(record.cause, `${path}.cause`, ctx), false);
  if (Array.isArray(record.errors)) setOwn(error, 'errors', decode(record.errors, `${path}.errors`, ctx), false);
  if (error instanceof SteadfastError) Object.defineProperty(error, STEADFAST_BRAND, { value: true });
  return error;
}

function tag(name: string, v: Json): JsonObject {
  return { [TAG]: name, v };
}

function refuse(path: string, reason: string): SerializationError {
  return new SerializationError(path, `cannot serialize ${path}: ${reason}`);
}

/** Levels kept at each end of the path of a too-deep value. */
const PATH_ENDS = 3;

/**
 * Refuses the container at `path` below the enclosing containers at `branch` (their paths, from the root;
 * each extends the one before). The path keeps its first and last levels: `args[0].a.a….a.a.a`.
 */
function tooDeep(operation: 'serialize' | 'deserialize', branch: readonly string[], path: string, maxDepth: number): SerializationError {
  const shown = branch.length > 2 * PATH_ENDS + 1
    ? `${branch[PATH_ENDS]!}…${path.slice(branch[branch.length - PATH_ENDS]!.length)}`
    : path;
  return new SerializationError(shown, `cannot ${operation} ${shown}: the payload is nested more than ${maxDepth} levels deep (the serializer's maxDepth)`);
}

/** defineProperty, unlike assignment, never treats `__proto__` as the prototype setter. */
function setOwn(target: object, key: string, value: unknown, enumerable = true): void {
  Object.defineProperty(target, key, { value, enumerable, writable: true, configurable: true });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function propPath(path: string, key: string): string {
  return IDENTIFIER.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function describeMapKey(key: unknown, index: number): string {
  if (typeof key === 'string') return JSON.stringify(key);
  if (typeof key === 'bigint') return `${key}n`;
  if (key === null || ['number', 'boolean', 'undefined'].includes(typeof key)) return String(key);
  return `<key #${index}>`;
}

/** The name errors are allowlisted under: the prototype's own `name` if set, else the constructor's. */
function errorClassName(cls: { name: string; prototype: unknown }): string {
  const proto: unknown = cls.prototype;
  if (isRecord(proto) && Object.hasOwn(proto, 'name') && typeof proto.name === 'string') return proto.name;
  return cls.name;
}

function className(proto: unknown): string {
  const ctor: unknown = isRecord(proto) ? proto.constructor : undefined;
  return typeof ctor === 'function' && ctor.name !== '' ? ctor.name : '(anonymous)';
}

/** JSON when possible (BigInt and cycles make it throw), else String(); never throws. */
function describe(value: unknown): string {
  const json = attempt(LENIENT, () => JSON.stringify(value) as string | undefined);
  if (typeof json !== 'string') return safeString(value);
  return json.length > 1024 ? `${json.slice(0, 1024)}…` : json;
}

/** String() throws for null-prototype objects and hostile proxies; this never does. */
function safeString(value: unknown): string {
  for (const show of [String, (v: unknown) => Object.prototype.toString.call(v)]) {
    const shown = attempt(LENIENT, () => show(value));
    if (shown !== SKIP) return shown;
  }
  return '[unprintable value]';
}
