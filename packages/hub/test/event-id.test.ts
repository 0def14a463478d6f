import { describe, expect, it } from 'vitest';
import { Uuid } from '@nexomatic/core';
import { newEventId } from '../src/engine/event-id.js';

describe('newEventId', () => {
  it('makes RFC 9562 version 7 UUIDs carrying the creation time', () => {
    const now = Date.UTC(2026, 10, 22, 12, 0, 0, 123);
    const id = newEventId(now);
    expect(Uuid.safeParse(id).success).toBe(true);
    expect(id[14]).toBe('7'); // version
    expect(['8', '9', 'a', 'b']).toContain(id[19]); // variant
    expect(Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(now);
  });

  it('sorts later ids after earlier ones, and never repeats', () => {
    const ids: string[] = [];
    const start = Date.now();
    for (let i = 0; i < 5000; i++) ids.push(newEventId(start + Math.floor(i / 100)));
    expect(new Set(ids).size).toBe(ids.length);
    const byTime = ids.map((id, i) => ({ id, ms: start + Math.floor(i / 100) }));
    for (let i = 1; i < byTime.length; i++) {
      if (byTime[i]!.ms > byTime[i - 1]!.ms) expect(byTime[i]!.id > byTime[i - 1]!.id).toBe(true);
    }
  });
});
