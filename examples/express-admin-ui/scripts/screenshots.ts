/**
 * Saves a PNG of every screen of the admin UI to docs/screens/ (`npm run screenshots -w
 * @nexomatic/example-express-admin-ui`): builds the UI, starts the same stack as the browser tests,
 * gives every screen something to show, and photographs it at 1366×768 in Debian's Chromium.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { launchBrowser } from '../test/support/browser.js';
import { startAdminStack } from '../test/support/stack.js';

const OUT = fileURLToPath(new URL('../../../docs/screens/', import.meta.url));
mkdirSync(OUT, { recursive: true });

const stack = await startAdminStack();
const browser = await launchBrowser();
try {
  const { hub } = stack;
  // Something for every screen: finished, failed and warned events with chains, one waiting for a
  // Sink Type nobody serves, users, tokens, secrets and an audited control signal.
  const names = ['Ada', 'Grace', 'Linus', 'Barbara', 'Ken', 'Margaret'];
  const fired = await hub.fireBatch([
    ...names.map((name) => ({ eventType: 'admin.greet', payload: { name } })),
    { eventType: 'admin.greet', payload: { name: 'Edsger', warn: true } },
    { eventType: 'admin.greet', payload: { name: 'Dennis', fail: true } },
  ]);
  await Promise.all(fired.map((e) => hub.waitForEvent(e.id, 30_000)));
  await hub.fire({ eventType: 'admin.nightly-report', payload: { rows: [1, 2] } });
  await hub.putSecret('GITHUB_WEBHOOK_SECRET', 'not shown anywhere');
  await hub.putSecret('SMTP_PASSWORD', 'not shown either');
  const users = [
    { name: 'ada@example.com', role: 'Admin' as const },
    { name: 'grace@example.com', role: 'Viewer' as const },
  ];
  const api = (path: string, input: unknown) =>
    fetch(`${stack.app.hubUrl}/trpc/${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(input),
    });
  for (const user of users) await api('users.create', user);
  await hub.createToken({ role: 'Viewer', name: 'grafana-dashboard' });
  const backOnline = new Promise<void>((resolve) => stack.sink.once('online', () => resolve()));
  await hub.controlSink(stack.sink.sinkId, 'RESET');
  await backOnline;
  const chained = fired[0]!;

  const page = await browser.context.newPage();
  page.setDefaultTimeout(20_000);
  const shoot = async (name: string, target: Page = page) => {
    await target.screenshot({ path: `${OUT}${name}.png`, fullPage: true });
    console.log(`docs/screens/${name}.png`);
  };
  const go = async (path: string, ready: string) => {
    await page.goto(`${stack.app.origin}/ui${path}`);
    await page.locator(ready).first().waitFor();
  };

  await page.goto(stack.app.uiUrl);
  await page.getByLabel('API token').waitFor();
  await shoot('sign-in');
  await page.getByLabel('API token').fill(stack.adminToken);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('starving').waitFor();
  await page.locator('[data-testid="sinks-online"]').filter({ hasText: '1' }).waitFor();
  await shoot('dashboard');
  await go('/events', '[data-testid="events-table"]');
  await shoot('events');
  await go(`/events/${chained.id}`, '[data-testid="chain-graph"]');
  await page.getByTestId('logs').waitFor();
  await shoot('event-detail');
  await go('/event-types', 'table');
  await shoot('event-types');
  await go('/actions', 'table');
  await shoot('actions');
  await go('/schedules', '[data-testid="schedules"]');
  await shoot('schedules');
  await go('/sources', '[data-testid="sources"]');
  await shoot('sources');
  await go('/sinks', 'tr[data-sink-name="ui-test-sink"]');
  await page.locator('tr[data-sink-name="ui-test-sink"]').getByText('ONLINE').waitFor();
  await shoot('sinks');
  await page.getByRole('button', { name: 'Kill ui-test-sink', exact: true }).click();
  await page.getByRole('dialog').waitFor();
  await shoot('sinks-confirm');
  await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
  await go('/sink-types', '[data-testid="sink-types"]');
  await shoot('sink-types');
  await go('/secrets', '[data-testid="secrets"]');
  await shoot('secrets');
  await go('/users', '[data-testid="tokens"]');
  await shoot('users');
  await go('/audit', '[data-testid="audit"]');
  await shoot('audit');

  const viewer = await browser.context.newPage();
  await viewer.goto(stack.app.uiUrl);
  await viewer.getByLabel('API token').fill(stack.viewerToken);
  await viewer.getByRole('button', { name: 'Sign in' }).click();
  await viewer.getByTestId('role').filter({ hasText: 'Viewer' }).waitFor();
  await viewer.goto(`${stack.app.origin}/ui/sinks`);
  await viewer.locator('tr[data-sink-name="ui-test-sink"]').waitFor();
  await shoot('viewer-sinks', viewer);
} finally {
  await browser.close();
  await stack.close();
}
