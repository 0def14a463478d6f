import { randomFillSync } from 'node:crypto';

/** Random bytes for 128 ids at a time: one call into the system's generator instead of one per id. */
const POOL_IDS = 128;
const pool = Buffer.alloc(16 * POOL_IDS);
let next = POOL_IDS;

/**
 * A new event id: a UUID version 7 (RFC 9562), the creation time in milliseconds in its first 48
 * bits, then 74 random bits. Ids made later sort later (to the millisecond), so the store's id
 * index grows at its end instead of at random places: a new event's index entry, and the lookups
 * of recent events by id (completions), touch the few pages already in memory, where a random
 * (version 4) id touches a different page each time. About a quarter cheaper per insert on SQLite
 * (`bench/README.md`), more as the table outgrows the page cache; MongoDB's B-trees behave alike.
 */
export function newEventId(now: number = Date.now()): string {
  if (next === POOL_IDS) {
    randomFillSync(pool);
    next = 0;
  }
  const bytes = pool.subarray(next * 16, next * 16 + 16);
  next += 1;
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = (bytes[6]! & 0x0f) | 0x70; // version 7
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // RFC 9562 variant
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
