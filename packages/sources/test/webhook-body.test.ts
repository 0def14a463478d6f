import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { bodyProblem, isJsonContentType, parseJsonObject, readBody, ReplayCache, sourceIdempotencyKey } from '@nexomatic/sources';

const problemOf = async (work: () => unknown) => {
  try {
    await work();
  } catch (error) {
    return { problem: bodyProblem(error), message: (error as Error).message };
  }
  throw new Error('it did not throw');
};

describe('readBody', () => {
  it('reads a stream up to the limit and refuses one byte more, declared or streamed', async () => {
    const chunks = [Buffer.alloc(600, 'a'), Buffer.alloc(424, 'b')];
    expect((await readBody(Readable.from(chunks), 1024)).length).toBe(1024);
    expect(await problemOf(() => readBody(Readable.from([...chunks, Buffer.from('c')]), 1024))).toMatchObject({ problem: 'too-large' });
    // A declared Content-Length over the limit is refused before a byte is read.
    let pulled = 0;
    const lazy = (async function* () {
      pulled += 1;
      yield Buffer.from('{}');
    })();
    expect(await problemOf(() => readBody(lazy, 1024, '5000'))).toMatchObject({ problem: 'too-large', message: 'the body is larger than 1024 bytes' });
    expect(pulled).toBe(0);
  });
});

describe('JSON bodies', () => {
  it('knows JSON content types', () => {
    for (const type of ['application/json', 'application/json; charset=utf-8', 'Application/JSON;charset="UTF-8"', 'application/cloudevents+json', 'application/cloudevents-batch+json'])
      expect(isJsonContentType(type), type).toBe(true);
    for (const type of [undefined, '', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', 'application/jsonp'])
      expect(isJsonContentType(type), String(type)).toBe(false);
  });

  it('parses an object and names what is wrong with anything else', async () => {
    expect(parseJsonObject(Buffer.from('{"a":[1,2]}'))).toEqual({ a: [1, 2] });
    expect(await problemOf(() => parseJsonObject(Buffer.from('{"a":')))).toMatchObject({ problem: 'not-json', message: expect.stringMatching(/^the body is not valid JSON: /) });
    expect(await problemOf(() => parseJsonObject(Buffer.from('')))).toMatchObject({ problem: 'not-json', message: 'the body is empty; send a JSON object' });
    expect(await problemOf(() => parseJsonObject(Buffer.from('[1]')))).toMatchObject({ problem: 'not-object', message: expect.stringContaining('not an array') });
    expect(await problemOf(() => parseJsonObject(Buffer.from('"x"')))).toMatchObject({ problem: 'not-object', message: expect.stringContaining('not a string') });
    expect(await problemOf(() => parseJsonObject(Buffer.from([0x7b, 0xff, 0x7d])))).toMatchObject({ problem: 'not-utf8' });
  });
});

describe('replay protection', () => {
  it('remembers which event a key created until its time is up, and forgets the oldest past its size', () => {
    let now = 1_000;
    const cache = new ReplayCache({ maxEntries: 2, now: () => now });
    cache.remember('a', 'event-a', 500);
    expect(cache.get('a')).toBe('event-a');
    now = 1_499;
    expect(cache.get('a')).toBe('event-a');
    now = 1_500;
    expect(cache.get('a')).toBeUndefined();
    cache.remember('b', 'event-b', 10_000);
    cache.remember('c', 'event-c', 10_000);
    cache.remember('d', 'event-d', 10_000);
    expect([cache.get('b'), cache.get('c'), cache.get('d')]).toEqual([undefined, 'event-c', 'event-d']);
  });

  it('lets concurrent calls for one key share the event the first creates, and forgets a failure', async () => {
    const cache = new ReplayCache();
    let created = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const create = async () => {
      created += 1;
      await gate;
      return `event-${created}`;
    };
    const calls = [cache.once('msg', 1000, create), cache.once('msg', 1000, create), cache.once('msg', 1000, create)];
    release();
    expect(await Promise.all(calls)).toEqual(['event-1', 'event-1', 'event-1']);
    expect(await cache.once('msg', 1000, create)).toBe('event-1');
    expect(created).toBe(1);
    await expect(cache.once('bad', 1000, () => Promise.reject(new Error('store down')))).rejects.toThrow('store down');
    expect(await cache.once('bad', 1000, async () => 'event-2')).toBe('event-2');
  });

  it('scopes idempotency keys by Source and keeps them within 200 characters', () => {
    expect(sourceIdempotencyKey('webhook', 'github', 'msg_1')).toBe('webhook:github:msg_1');
    expect(sourceIdempotencyKey('webhook', 'github', 'msg_1')).not.toBe(sourceIdempotencyKey('webhook', 'stripe', 'msg_1'));
    const long = sourceIdempotencyKey('webhook', 's', 'x'.repeat(300));
    expect(long.length).toBeLessThanOrEqual(200);
    expect(long).toBe(sourceIdempotencyKey('webhook', 's', 'x'.repeat(300)));
    expect(long).not.toBe(sourceIdempotencyKey('webhook', 's', 'x'.repeat(301)));
  });
});
