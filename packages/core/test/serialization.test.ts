import { describe, it, expect } from 'vitest';
import { PayloadTooLargeError, SerializationError, ValidationError, isSteadfastError } from '../src/foundation/errors.js';
import { createSerializer, DEFAULT_MAX_DEPTH, DEFAULT_MAX_PAYLOAD_BYTES } from '../src/foundation/serialization.js';

const s = createSerializer();
const roundTrip = (value: unknown): unknown => s.deserialize(s.serialize(value, 'args'));

/** Runs `fn`, expects a SerializationError, returns it. */
function refusal(fn: () => unknown): SerializationError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(SerializationError);
    return error as SerializationError;
  }
  throw new Error('expected a SerializationError');
}

class PaymentDeclinedError extends Error {
  constructor(
    message: string,
    readonly amount: number,
  ) {
    super(message);
    this.name = 'PaymentDeclinedError';
  }
}

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

describe('serialize / deserialize round trips', () => {
  it('keeps plain JSON as plain JSON text', () => {
    const value = { a: 1, b: 'two', c: [true, null, { d: 1.5 }] };
    expect(s.serialize(value, 'args')).toBe(JSON.stringify(value));
    expect(roundTrip(value)).toEqual(value);
  });

  it('round-trips undefined at the top, in arrays and as property values', () => {
    expect(roundTrip(undefined)).toBeUndefined();
    const arr = roundTrip([1, undefined, 3]) as unknown[];
    expect(arr).toHaveLength(3);
    expect(1 in arr).toBe(true);
    expect(arr[1]).toBeUndefined();
    const obj = roundTrip({ a: undefined }) as object;
    expect(Object.hasOwn(obj, 'a')).toBe(true);
  });

  it('round-trips special numbers, BigInt and Dates', () => {
    const out = roundTrip([NaN, Infinity, -Infinity, -0, 0, 12n, -(2n ** 80n)]) as unknown[];
    expect(out[0]).toBeNaN();
    expect(out.slice(1, 3)).toEqual([Infinity, -Infinity]);
    expect(Object.is(out[3], -0)).toBe(true);
    expect(Object.is(out[4], 0)).toBe(true);
    expect(out.slice(5)).toEqual([12n, -(2n ** 80n)]);

    const when = new Date('2024-05-06T07:08:09.010Z');
    const dates = roundTrip([when, new Date(NaN)]) as Date[];
    expect(dates[0]).toBeInstanceOf(Date);
    expect(dates[0].toISOString()).toBe(when.toISOString());
    expect(Number.isNaN(dates[1].getTime())).toBe(true);
  });

  it('round-trips nested Maps and Sets with rich keys and values', () => {
    const value = {
      byId: new Map<unknown, unknown>([
        ['a', new Set([1n, new Date(0)])],
        [{ k: 1 }, [undefined, new Map([[2, 'two']])]],
      ]),
    };
    const out = roundTrip(value) as typeof value;
    expect(out.byId).toBeInstanceOf(Map);
    expect(out).toEqual(value);
  });

  it('keeps the text readable: tags are small objects', () => {
    expect(JSON.parse(s.serialize([1n, new Date(0)], 'args'))).toEqual([
      { $sf: 'bigint', v: '1' },
      { $sf: 'date', v: '1970-01-01T00:00:00.000Z' },
    ]);
  });

  it('escapes a plain object that has its own $sf key', () => {
    const value = { $sf: 'date', v: 'not a date', nested: { $sf: 'undefined' } };
    const text = s.serialize(value, 'args');
    expect(JSON.parse(text)).toEqual({
      $sf: 'object',
      v: { $sf: 'date', v: 'not a date', nested: { $sf: 'object', v: { $sf: 'undefined' } } },
    });
    expect(s.deserialize(text)).toEqual(value);
  });

  it('encodes a repeated non-circular reference twice', () => {
    const shared = { n: 1 };
    const out = roundTrip({ a: shared, b: shared, list: [shared, shared] }) as Record<string, unknown>;
    expect(out).toEqual({ a: { n: 1 }, b: { n: 1 }, list: [{ n: 1 }, { n: 1 }] });
    expect(out.a).not.toBe(out.b);
  });

  it('accepts null-prototype objects', () => {
    const bare = Object.assign(Object.create(null) as object, { a: 1 });
    expect(roundTrip(bare)).toEqual({ a: 1 });
  });
});

describe('refusals name the path', () => {
  it('refuses a function', () => {
    const error = refusal(() => s.serialize([1, { callback: () => 1 }], 'args'));
    expect(error.path).toBe('args[1].callback');
    expect(error.message).toBe('cannot serialize args[1].callback: a function is not serializable');
  });

  it('quotes keys that are not identifiers', () => {
    const error = refusal(() => s.serialize([{ 'weird key': Symbol('x') }], 'args'));
    expect(error.path).toBe('args[0]["weird key"]');
    expect(error.message).toContain('cannot serialize args[0]["weird key"]: a symbol (Symbol(x))');
  });

  it('refuses a symbol value and a symbol key', () => {
    expect(refusal(() => s.serialize({ items: [1, 2, 3, Symbol('s')] }, 'result')).path).toBe('result.items[3]');
    const error = refusal(() => s.serialize([{ [Symbol('tag')]: 1 }], 'args'));
    expect(error.path).toBe('args[0]');
    expect(error.message).toContain('symbol key (Symbol(tag))');
  });

  it('refuses a circular structure and says where it loops', () => {
    const node: Record<string, unknown> = { name: 'root', children: [] };
    (node.children as unknown[]).push({ parent: node });
    const error = refusal(() => s.serialize([node], 'args'));
    expect(error.path).toBe('args[0].children[0].parent');
    expect(error.message).toBe(
      'cannot serialize args[0].children[0].parent: a circular reference is not serializable (the value contains itself: args[0].children[0].parent is args[0])',
    );
  });

  it('refuses class instances, naming the class', () => {
    const error = refusal(() => s.serialize({ at: new Point(1, 2) }, 'result of Geo.locate'));
    expect(error.path).toBe('result of Geo.locate.at');
    expect(error.message).toContain('an instance of class Point is not serializable; convert it to a plain object');
    for (const [value, name] of [
      [new Uint8Array(2), 'Uint8Array'],
      [Buffer.from('x'), 'Buffer'],
      [new WeakMap(), 'WeakMap'],
      [Promise.resolve(1), 'Promise'],
      [new (class extends Map {})(), '(anonymous)'],
    ] as const) {
      expect(refusal(() => s.serialize(value, 'args')).message).toContain(`instance of class ${name}`);
    }
  });

  it('names Map keys and values and Set elements', () => {
    const inMap = refusal(() => s.serialize([new Map([['a', { fn: () => 0 }]])], 'args'));
    expect(inMap.path).toBe('args[0].get("a").fn');
    const mapKey = refusal(() => s.serialize(new Map<unknown, number>([[1, 1], [() => 0, 2]]), 'result'));
    expect(mapKey.path).toBe('result.<key #1>');
    const objKey = refusal(() => s.serialize(new Map([[{}, Symbol('v')]]), 'result'));
    expect(objKey.path).toBe('result.get(<key #0>)');
    expect(refusal(() => s.serialize({ tags: new Set([1, () => 0]) }, 'args')).path).toBe('args.tags.<element #1>');
  });
});

describe('size limit', () => {
  it('throws PayloadTooLargeError over the limit and accepts exactly the limit', () => {
    const text = 'é'.repeat(10); // 20 bytes of UTF-8, 22 with quotes
    expect(createSerializer({ maxPayloadBytes: 22 }).serialize(text, 'args')).toBe(JSON.stringify(text));
    let caught: unknown;
    try {
      createSerializer({ maxPayloadBytes: 21 }).serialize(text, 'result of Orders.charge');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(PayloadTooLargeError);
    expect(caught).toMatchObject({ bytes: 22, limit: 21 });
    expect((caught as Error).message).toMatch(/^result of Orders\.charge is 22 bytes serialized/);
  });

  it('defaults to 1 MiB and rejects a nonsense limit', () => {
    expect(DEFAULT_MAX_PAYLOAD_BYTES).toBe(1_048_576);
    expect(() => s.serialize('x'.repeat(DEFAULT_MAX_PAYLOAD_BYTES - 2), 'args')).not.toThrow();
    expect(() => s.serialize('x'.repeat(DEFAULT_MAX_PAYLOAD_BYTES - 1), 'args')).toThrow(PayloadTooLargeError);
    expect(() => createSerializer({ maxPayloadBytes: 0 })).toThrow(ValidationError);
  });
});

/** `levels` objects `{ a: { a: … leaf } }`, built without recursion; `wrap` makes one level around a value. */
function nested(levels: number, wrap: (inner: unknown) => unknown = (inner) => ({ a: inner }), leaf: unknown = 1): unknown {
  let value = leaf;
  for (let i = 0; i < levels; i++) value = wrap(value);
  return value;
}

describe('depth limit', () => {
  it('refuses a value nested deeper than 256 levels with a SerializationError naming a shortened path, not a RangeError', () => {
    expect(DEFAULT_MAX_DEPTH).toBe(256);
    const error = refusal(() => s.serialize([nested(10_000)], 'args'));
    expect(error.path).toBe('args[0].a.a….a.a.a');
    expect(error.message).toBe("cannot serialize args[0].a.a….a.a.a: the payload is nested more than 256 levels deep (the serializer's maxDepth)");
    // Far deeper than any stack: the walk stops at the limit instead of descending.
    expect(refusal(() => s.serialize(nested(1_000_000, (inner) => [inner]), 'result of task t')).path).toBe('result of task t[0][0][0]…[0][0][0]');
  });

  it('accepts exactly the limit (the argument list is the first level) and round-trips it', () => {
    const deepest = [nested(DEFAULT_MAX_DEPTH - 1)];
    expect(roundTrip(deepest)).toEqual(deepest);
    refusal(() => s.serialize([nested(DEFAULT_MAX_DEPTH)], 'args'));
    // Leaves do not count as levels, and a Date does (it is an object), on both sides.
    for (const leaf of [undefined, 1n, NaN, 'text']) expect(roundTrip([nested(DEFAULT_MAX_DEPTH - 1, undefined, leaf)])).toBeDefined();
    refusal(() => s.serialize([nested(DEFAULT_MAX_DEPTH - 1, undefined, new Date(0))], 'args'));
  });

  it('counts arrays, objects, Maps, Sets, errors and escaped objects alike', () => {
    const kinds: Array<(inner: unknown) => unknown> = [
      (inner) => [inner],
      (inner) => ({ a: inner }),
      (inner) => new Map([['k', inner]]),
      (inner) => new Set([inner]),
      (inner) => Object.assign(new Error('e'), { detail: inner }),
      (inner) => ({ $sf: 'x', v: inner }),
    ];
    const mixed = (levels: number): unknown => nested(levels, (() => { let i = 0; return (inner: unknown) => kinds[i++ % kinds.length]!(inner); })());
    const small = createSerializer({ maxDepth: 12 });
    const text = small.serialize(mixed(12), 'result');
    expect(small.serialize(small.deserialize(text), 'result')).toBe(text);
    expect(() => small.serialize(mixed(13), 'result')).toThrow(/nested more than 12 levels deep/);
  });

  it('refuses a stored payload that is too deep with a SerializationError on decode, however deep the text', () => {
    const arrays = refusal(() => s.deserialize('['.repeat(100_000) + ']'.repeat(100_000)));
    expect(arrays.path).toBe('value[0][0][0]…[0][0][0]');
    expect(arrays.message).toBe("cannot deserialize value[0][0][0]…[0][0][0]: the payload is nested more than 256 levels deep (the serializer's maxDepth)");
    expect(refusal(() => s.deserialize('{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000))).path).toBe('value.a.a.a….a.a.a');
    const sets = '{"$sf":"set","v":['.repeat(5_000) + ']}'.repeat(5_000);
    expect(refusal(() => s.deserialize(sets)).path).toBe('value.<element #0>.<element #0>.<element #0>….<element #0>.<element #0>.<element #0>');
    const errors = '{"$sf":"error","v":{"name":"Error","message":"m","cause":'.repeat(5_000) + 'null' + '}}'.repeat(5_000);
    expect(refusal(() => s.deserializeError(errors)).path).toBe('error.cause.cause.cause….cause.cause.cause');
    // A payload written with a higher limit is refused by a reader with a lower one.
    const text = createSerializer({ maxDepth: 10 }).serialize(nested(10), 'args');
    expect(() => createSerializer({ maxDepth: 9 }).deserialize(text)).toThrow(/nested more than 9 levels deep/);
  });

  it('serializeError cuts a cause chain deeper than the limit to a string instead of throwing', () => {
    let error = new Error('first');
    for (let i = 1; i <= 1_000; i++) error = new Error(`wrapped ${i}`, { cause: error });
    const back = s.deserializeError(s.serializeError(error));
    let levels = 0;
    let cause: unknown = back;
    for (; cause instanceof Error; levels++) cause = cause.cause;
    expect(levels).toBe(DEFAULT_MAX_DEPTH);
    expect(cause).toBe(`Error: wrapped ${1_000 - DEFAULT_MAX_DEPTH}`);
  });

  it('short paths stay whole, and a nonsense maxDepth is refused', () => {
    const error = refusal(() => createSerializer({ maxDepth: 2 }).serialize({ list: [{ x: 1 }] }, 'args'));
    expect(error.path).toBe('args.list[0]');
    for (const maxDepth of [0, -1, 1.5, 513, Number.NaN, '3' as never]) {
      expect(() => createSerializer({ maxDepth })).toThrow(ValidationError);
    }
    expect(() => createSerializer({ maxDepth: 512 })).not.toThrow();
  });
});

describe('deserialize safety', () => {
  it('does not let __proto__, constructor or prototype keys touch any prototype', () => {
    const text = '{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}, "a": {"__proto__": [1]}}';
    const out = s.deserialize(text) as Record<string, unknown>;
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.hasOwn(out, '__proto__')).toBe(true);
    expect(Object.getOwnPropertyDescriptor(out, '__proto__')?.value).toEqual({ polluted: true });
    expect(Object.hasOwn(out, 'constructor')).toBe(true);
    expect(Object.getPrototypeOf(out.a)).toBe(Object.prototype);
    expect(Object.hasOwn(out.a as object, '__proto__')).toBe(true);
  });

  it('keeps __proto__ as data through a serialize round trip and inside escaped and error payloads', () => {
    const value = JSON.parse('{"__proto__": {"polluted": true}, "$sf": 1}') as object;
    const out = roundTrip(value) as object;
    expect(Object.hasOwn(out, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const error = s.deserializeError('{"$sf":"error","v":{"name":"Error","message":"m","props":{"__proto__":{"polluted":true}}}}');
    expect(error).toBeInstanceOf(Error);
    expect(Object.hasOwn(error, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('throws on unknown tags, malformed tags and invalid JSON', () => {
    const unknown = refusal(() => s.deserialize('{"a": [{"$sf": "regexp", "v": "x"}]}'));
    expect(unknown.message).toContain('unknown tag "regexp"');
    expect(unknown.path).toBe('value.a[0]');
    expect(refusal(() => s.deserialize('{"$sf": "constructor"}')).message).toContain('unknown tag "constructor"');
    expect(refusal(() => s.deserialize('{"$sf": "number", "v": "constructor"}')).message).toContain('malformed');
    expect(refusal(() => s.deserialize('{"$sf": "bigint", "v": "1e3"}')).message).toContain('malformed');
    expect(refusal(() => s.deserialize('{not json')).message).toContain('not valid JSON');
  });
});

describe('errors', () => {
  it('round-trips an error with a cause chain, code, stack and extra properties', () => {
    const root = Object.assign(new RangeError('too big'), { code: 'E_RANGE', limit: 10 });
    const error = Object.assign(new TypeError('outer', { cause: root }), { code: 42, details: { at: new Date(0) } });
    const out = s.deserializeError(s.serializeError(error)) as TypeError & Record<string, unknown>;
    expect(out).toBeInstanceOf(TypeError);
    expect(out.message).toBe('outer');
    expect(out.name).toBe('TypeError');
    expect(out.stack).toBe(error.stack);
    expect(out.code).toBe(42);
    expect(out.details).toEqual({ at: new Date(0) });
    const cause = out.cause as RangeError & Record<string, unknown>;
    expect(cause).toBeInstanceOf(RangeError);
    expect(cause).toMatchObject({ message: 'too big', code: 'E_RANGE', limit: 10 });
  });

  it('round-trips errors inside values, AggregateError included', () => {
    const agg = new AggregateError([new Error('a'), new SyntaxError('b')], 'both failed');
    const out = roundTrip({ failures: [agg] }) as { failures: AggregateError[] };
    expect(out.failures[0]).toBeInstanceOf(AggregateError);
    expect(out.failures[0].message).toBe('both failed');
    expect(out.failures[0].errors[1]).toBeInstanceOf(SyntaxError);
  });

  it('refuses an unserializable property of an error inside a value, but stringifies a bad cause', () => {
    const withFn = Object.assign(new Error('x'), { retry: () => 0 });
    expect(refusal(() => s.serialize([withFn], 'args')).path).toBe('args[0].retry');
    const loop = new Error('self');
    loop.cause = loop;
    expect((roundTrip(loop) as Error).cause).toBe('Error: self');
  });

  it('revives allowlisted custom classes with instanceof, and Steadfast errors keep their brand', () => {
    const custom = createSerializer({ errorClasses: [PaymentDeclinedError] });
    const out = custom.deserializeError(custom.serializeError(new PaymentDeclinedError('declined', 12)));
    expect(out).toBeInstanceOf(PaymentDeclinedError);
    expect(out).toMatchObject({ name: 'PaymentDeclinedError', message: 'declined', amount: 12 });

    const later = createSerializer();
    later.registerErrorClass(SerializationError);
    const revived = later.deserializeError(later.serializeError(new SerializationError('args[0]', 'nope')));
    expect(revived).toBeInstanceOf(SerializationError);
    expect(revived).toMatchObject({ path: 'args[0]', code: 'SERIALIZATION', message: 'nope' });
    expect(isSteadfastError(revived)).toBe(true);
  });

  it('revives a subclass whose name was left as Error by its class', () => {
    class Quiet extends Error {}
    const text = s.serializeError(new Quiet('q'));
    expect(JSON.parse(text).v).toMatchObject({ class: 'Quiet', name: 'Error' });
    expect(s.deserializeError(text)).not.toBeInstanceOf(Quiet);
    const allowed = createSerializer({ errorClasses: [Quiet] });
    expect(allowed.deserializeError(text)).toBeInstanceOf(Quiet);
  });

  it('does not revive a class that is not allowlisted', () => {
    const text = s.serializeError(new PaymentDeclinedError('declined', 12));
    const out = s.deserializeError(text);
    expect(out).not.toBeInstanceOf(PaymentDeclinedError);
    expect(Object.getPrototypeOf(out)).toBe(Error.prototype);
    expect(out.name).toBe('PaymentDeclinedError');
    // A payload naming something that is not an error class at all still comes back as a plain Error.
    const forged = s.deserializeError('{"$sf":"error","v":{"name":"Object","class":"constructor","message":"m"}}');
    expect(Object.getPrototypeOf(forged)).toBe(Error.prototype);
    expect(forged.name).toBe('Object');
  });

  it('a later registration with the same name replaces the earlier one', () => {
    const First = class PaymentDeclinedError extends Error {};
    const custom = createSerializer({ errorClasses: [First] });
    custom.registerErrorClass(PaymentDeclinedError);
    const out = custom.deserializeError(s.serializeError(new PaymentDeclinedError('x', 1)));
    expect(out).toBeInstanceOf(PaymentDeclinedError);
    expect(out).not.toBeInstanceOf(First);
  });
});

describe('serializeError never throws', () => {
  it('skips an unserializable property', () => {
    const error = Object.assign(new Error('boom'), { retry: () => 0, attempt: 3, [Symbol('k')]: 1 });
    const out = s.deserializeError(s.serializeError(error)) as Error & Record<string, unknown>;
    expect(out.message).toBe('boom');
    expect(out.attempt).toBe(3);
    expect(Object.hasOwn(out, 'retry')).toBe(false);
  });

  it('stringifies an unserializable cause', () => {
    const cause = Object.assign(Object.create(null) as object, { fn: () => 0 });
    const out = s.deserializeError(s.serializeError(new Error('outer', { cause: new Point(1, 2) })));
    expect(out.cause).toBe('[object Object]');
    expect(s.deserializeError(s.serializeError(new Error('x', { cause }))).cause).toEqual({});
  });

  it('accepts a thrown string and a thrown plain object', () => {
    const fromString = s.deserializeError(s.serializeError('plain failure'));
    expect(fromString).toBeInstanceOf(Error);
    expect(fromString.message).toBe('plain failure');

    const fromObject = s.deserializeError(s.serializeError({ reason: 'bad', n: 1n })) as Error & { thrown: unknown };
    expect(fromObject).toBeInstanceOf(Error);
    expect(fromObject.message).toContain('a non-Error value was thrown');
    expect(fromObject.thrown).toEqual({ reason: 'bad', n: 1n });

    const weird = Object.assign(Object.create(null) as object, { fn: () => 0 });
    for (const thrown of [undefined, null, 42, Symbol('s'), () => 0, weird]) {
      expect(s.deserializeError(s.serializeError(thrown))).toBeInstanceOf(Error);
    }
  });

  it('survives throwing getters and cuts an oversized error down', () => {
    const hostile = new Error('hostile');
    Object.defineProperty(hostile, 'bad', { enumerable: true, get: () => { throw new Error('getter'); } });
    expect(s.deserializeError(s.serializeError(hostile)).message).toBe('hostile');

    const small = createSerializer({ maxPayloadBytes: 2000 });
    const big = Object.assign(new Error('m'.repeat(5000)), { blob: 'x'.repeat(5000) });
    const text = small.serializeError(big);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(2000);
    expect(small.deserializeError(text).message).toMatch(/^m+… \(truncated\)$/);
  });

  it('wraps a non-error value stored as an error', () => {
    expect(s.deserializeError('"just text"').message).toBe('just text');
    expect(s.deserializeError('{"a":1}').message).toBe('{"a":1}');
  });
});
