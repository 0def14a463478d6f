import { describe, expect, it } from 'vitest';
import { ReadySinks } from '../src/engine/ready-sinks.js';
import { taskKey } from '../src/engine/session.js';
import { testSession, testTask } from './support/sessions.js';

const session = testSession;
const task = testTask;

/** The ready sessions per Sink Type, by name, and the tenant pins of each. */
const view = (ready: ReadySinks) =>
  Object.fromEntries(ready.snapshot().map((t) => [t.sinkType, { sessions: t.sessions.map((s) => s.registration.name), pins: t.pins }]));

describe('ReadySinks', () => {
  it('lists only sessions with free credits, per Sink Type, in connect order, as credits are taken and returned', () => {
    const ready = new ReadySinks();
    const [a, b, c] = [session('a', 'py'), session('b', 'node'), session('c', 'py', 'acme')];
    for (const s of [a, b, c]) ready.track(s);
    expect(view(ready)).toEqual({ py: { sessions: ['a', 'c'], pins: 2 }, node: { sessions: ['b'], pins: 1 } });

    const first = task();
    a.sendTask(first);
    expect(view(ready).py?.sessions).toEqual(['a', 'c']);
    const second = task();
    a.sendTask(second);
    expect(a.credits).toBe(0);
    expect(view(ready).py).toEqual({ sessions: ['c'], pins: 1 });

    // A freed credit puts the session back in its place, not at the end.
    expect(a.release(taskKey(second))).toBe(true);
    expect(view(ready).py).toEqual({ sessions: ['a', 'c'], pins: 2 });
    // Releasing an unknown task changes nothing.
    expect(a.release(taskKey(second))).toBe(false);
    expect(view(ready).py?.sessions).toEqual(['a', 'c']);
  });

  it('drops draining and ended sessions, takes a resumed one back, and forgets untracked ones', () => {
    const ready = new ReadySinks();
    const [a, b] = [session('a', 'py'), session('b', 'py')];
    ready.track(a);
    ready.track(b);

    a.status = 'RESETTING';
    expect(view(ready).py?.sessions).toEqual(['b']);
    a.status = 'ONLINE';
    expect(view(ready).py?.sessions).toEqual(['a', 'b']);

    b.status = 'KILLING';
    b.end();
    expect(view(ready).py?.sessions).toEqual(['a']);

    a.sendTask(task());
    a.sendTask(task());
    a.releaseAll();
    expect(a.held.size).toBe(0);
    expect(view(ready).py?.sessions).toEqual(['a']);

    ready.untrack(a);
    expect(view(ready)).toEqual({});
    // An untracked session's changes no longer reach the index.
    a.sendTask(task());
    a.release(taskKey(task()));
    expect(view(ready)).toEqual({});
  });
});
