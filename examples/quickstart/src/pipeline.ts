import type { DefinitionsInput } from '@nexomatic/core';

/** The Sink Type of the quickstart's local sink. */
export const SINK_TYPE = 'LOCAL:BASE';

/** The notify step's module: Python (`examples/python-modules/orders/notify.py`) or its Node twin. */
export const NOTIFY_MODULES = { python: 'orders.notify', node: 'demo.notify' } as const;

/** The webhook Source that starts the pipeline: a POST of an order to its URL fires `demo.order-received`. */
export const WEBHOOK_SOURCE = 'demo.orders-webhook';

/** The Schedule that starts the pipeline with a sample order every five minutes. */
export const SAMPLE_SCHEDULE = 'demo.sample-order';
/** When {@link SAMPLE_SCHEDULE} fires: every five minutes. */
export const SAMPLE_CRON = '*/5 * * * *';

/**
 * The demo pipeline: an order is transformed, written (both Node modules), then notified, each step
 * chained On Success to the next; a failed transform chains On Failure to an alert. With `python`
 * (the sink has Python 3.9+), the notify step is the Python module `orders.notify`.
 */
export function demoPipeline(ordersFile: string, { python = false }: { python?: boolean } = {}): DefinitionsInput {
  return {
    sinkTypes: [{ name: SINK_TYPE, runtimes: python ? ['node', 'python'] : ['node'], description: 'The quickstart local sink' }],
    actions: [
      {
        name: 'demo.transform',
        module: 'demo.transform',
        onSuccess: 'demo.order-priced',
        onFailure: 'demo.order-failed',
        parameters: [{ name: 'currency', type: 'STATIC', value: 'EUR' }],
      },
      {
        name: 'demo.write',
        module: 'demo.write',
        onSuccess: 'demo.order-stored',
        parameters: [{ name: 'file', type: 'STATIC', value: ordersFile }],
      },
      { name: 'demo.notify', module: python ? NOTIFY_MODULES.python : NOTIFY_MODULES.node },
      { name: 'demo.alert', module: 'demo.alert' },
    ],
    eventTypes: [
      { name: 'demo.order-received', sinkType: SINK_TYPE, action: 'demo.transform', description: 'Step 1: transform' },
      { name: 'demo.order-priced', sinkType: SINK_TYPE, action: 'demo.write', description: 'Step 2: write' },
      { name: 'demo.order-stored', sinkType: SINK_TYPE, action: 'demo.notify', description: 'Step 3: notify' },
      { name: 'demo.order-failed', sinkType: SINK_TYPE, action: 'demo.alert', description: 'On Failure of step 1' },
    ],
    sources: [{ name: WEBHOOK_SOURCE, type: 'webhook', eventTypes: ['demo.order-received'], description: 'POST an order here to start the pipeline' }],
    schedules: [
      {
        name: SAMPLE_SCHEDULE,
        eventType: 'demo.order-received',
        cron: SAMPLE_CRON,
        timeZone: 'UTC',
        payload: { orderId: 'sample', customer: 'scheduler', items: [{ sku: 'demo', price: 1, quantity: 1 }] },
      },
    ],
  };
}
