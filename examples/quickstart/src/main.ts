/**
 * The quickstart: `npm start` from the repository root. An embedded hub (SQLite under
 * ./.nexomatic/), a local sink process, and a demo pipeline of three chained steps.
 */
import { exitOnSignals } from '@nexomatic/example-express-admin-ui';
import { SAMPLE_CRON, SAMPLE_SCHEDULE } from './pipeline.js';
import { startQuickstart } from './quickstart.js';

const port = Number(process.env.PORT ?? 4000);
const quickstart = await startQuickstart({ port }).catch((error: NodeJS.ErrnoException) => {
  if (error.code !== 'EADDRINUSE') throw error;
  console.error(`Port ${port} is in use. Stop what holds it, or pick another: PORT=4100 npm start`);
  process.exit(1);
});
const { url, uiUrl, token, tokenFile, python, webhookUrl } = quickstart;

const chain = await quickstart.runDemo();
console.log('\nNexomatic quickstart is running.\n');
console.log(`Hub:          ${url}`);
console.log(`Admin UI:     ${uiUrl}   (sign in with the Admin token)`);
console.log(`Admin token:  ${token}   (kept in ${tokenFile})`);
console.log('\nA demo order ran through the pipeline:');
if (!python) console.log('  (python3 3.9+ is not on the PATH: the notify step ran as Node instead of examples/python-modules)');
for (const event of chain) {
  console.log(`  ${event.eventType.padEnd(22)} ${event.state.padEnd(8)} ${JSON.stringify(event.result)}`);
}
console.log('\nFire another order:');
console.log(
  `  curl -s -X POST ${url}/trpc/events.fire -H 'authorization: Bearer ${token}' -H 'content-type: application/json' \\\n` +
    `    -d '{"eventType":"demo.order-received","payload":{"orderId":"B-1","customer":"bob@example.com","items":[{"sku":"cake","price":3,"quantity":4}]}}'`,
);
console.log('Or through the webhook Source (no token: its URL is the secret; answers 202 with the event id):');
console.log(
  `  curl -s -X POST ${webhookUrl} -H 'content-type: application/json' \\\n` +
    `    -d '{"orderId":"C-1","customer":"carol@example.com","items":[{"sku":"jam","price":2,"quantity":3}]}'`,
);
console.log(`The Schedule ${SAMPLE_SCHEDULE} fires a sample order every five minutes (cron "${SAMPLE_CRON}", UTC).`);
console.log('See the outcome (use the id a command printed; the follow-ons share its rootEventId):');
console.log(`  curl -s -G ${url}/trpc/events.list -H 'authorization: Bearer ${token}' --data-urlencode 'input={"limit":5}'`);
console.log('\nPress Ctrl+C to stop.');

exitOnSignals(() => quickstart.close());
