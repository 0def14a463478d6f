import { fileURLToPath } from 'node:url';
import type { DefinitionsInput } from '@nexomatic/core';

/** The demo modules' root (`admin.greet`, `admin.record`, `admin.report`). */
export const DEMO_MODULES = fileURLToPath(new URL('../../modules', import.meta.url));

/** The Sink Type the demo's own sink runs as. */
export const DEMO_SINK_TYPE = 'ADMIN:NODE';
/** A second Sink Type, for batch work; nothing serves it until a sink of its type connects. */
export const BATCH_SINK_TYPE = 'ADMIN:BATCH';
/** The secret the greet Action references (a `SECRET` parameter). */
export const DEMO_SECRET_KEY = 'GREETER_API_KEY';

/**
 * Definitions that give every screen something to show: two Sink Types, a greet Action chained
 * On Success to a record step, a batch report, a webhook Source and a nightly Schedule.
 */
export function demoDefinitions(): DefinitionsInput {
  return {
    sinkTypes: [
      { name: DEMO_SINK_TYPE, runtimes: ['node'], description: 'The admin example sink' },
      { name: BATCH_SINK_TYPE, runtimes: ['node'], description: 'Batch reports; started on demand' },
    ],
    actions: [
      {
        name: 'admin.greet',
        module: 'admin.greet',
        onSuccess: 'admin.greeted',
        description: 'Greets the person named in the payload',
        parameters: [
          { name: 'greeting', type: 'STATIC', value: 'Hello' },
          { name: 'name', type: 'DATA', path: 'name' },
          { name: 'apiKey', type: 'SECRET', key: DEMO_SECRET_KEY },
        ],
      },
      { name: 'admin.record', module: 'admin.record', description: 'Records the previous step' },
      { name: 'admin.report', module: 'admin.report', description: 'Builds a report' },
    ],
    eventTypes: [
      { name: 'admin.greet', sinkType: DEMO_SINK_TYPE, action: 'admin.greet', description: 'Greet someone' },
      { name: 'admin.greeted', sinkType: DEMO_SINK_TYPE, action: 'admin.record', description: 'After a greeting' },
      {
        name: 'admin.nightly-report',
        sinkType: BATCH_SINK_TYPE,
        action: 'admin.report',
        sourceTypes: ['scheduler', 'client', 'custom'],
        description: 'The nightly report',
      },
    ],
    sources: [{ name: 'greet-hook', type: 'webhook', eventTypes: ['admin.greet'], description: 'POST a JSON body with a name' }],
    schedules: [
      { name: 'nightly-report', eventType: 'admin.nightly-report', cron: '0 2 * * 1-5', timeZone: 'Europe/Amsterdam', payload: { rows: [] } },
    ],
  };
}
