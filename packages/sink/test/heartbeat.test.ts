import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSink, type ResultReportInput, type Sink } from '../src/index.js';
import { startFakeHub, type FakeHub } from './support/fake-hub.js';
import { FIXTURES, makeTask, waitFor } from './support/helpers.js';

describe('sink heartbeat', () => {
  let hub: FakeHub;
  let sink: Sink;
  beforeEach(async () => {
    hub = await startFakeHub();
  });
  afterEach(async () => {
    await sink.close();
    await hub.close();
  });

  it('keeps beating while a module busy-loops on the CPU for 3 seconds', async () => {
    sink = await startSink({
      hubUrl: hub.url,
      clientId: 'LOCAL:BASE',
      clientSecret: 'good-secret',
      modules: [FIXTURES],
      concurrency: 1,
      heartbeatIntervalMs: 100,
    });
    let beatsAtStart = -1;
    let beatsAtEnd = -1;
    let result: ResultReportInput | undefined;
    sink.on('task', () => (beatsAtStart = hub.heartbeats.length));
    sink.on('result', (report) => {
      beatsAtEnd = hub.heartbeats.length;
      result = report;
    });
    hub.send({ kind: 'task', task: makeTask('burn', { payload: { ms: 3000 } }) });
    await waitFor(() => result !== undefined, 'the busy task to finish');

    expect(result).toMatchObject({ outcome: 'SUCCESS', result: { burnedMs: expect.any(Number) } });
    expect((result!.result as { burnedMs: number }).burnedMs).toBeGreaterThanOrEqual(3000);
    // 3 s at 100 ms is 30 beats; at least half of them must have gone out while the module burned.
    expect(beatsAtEnd - beatsAtStart).toBeGreaterThanOrEqual(15);
    expect(new Set(hub.heartbeats)).toEqual(new Set([sink.sinkId]));
  });
});
