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

  await page.goto(stack.app.uiUrl);
  await page.getByLabel('API token').waitFor();
  await shoot('sign-in');
  await page.getByLabel('API token').fill(stack.adminToken);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('starving').waitFor();
  await page.locator('[data-testid="sinks-online"]').filter({ hasText: '1' }).waitFor();
  await shoot('dashboard');
  const sinkRow = 'tr[data-sink-name="ui-test-sink"]';
  // Each screen: its file name, its path, what shows it is ready, and any shot taken there after it.
  const screens: Array<{ name: string; path: string; ready: string[]; then?: () => Promise<void> }> = [
    { name: 'events', path: '/events', ready: ['[data-testid="events-table"]'] },
    { name: 'event-detail', path: `/events/${chained.id}`, ready: ['[data-testid="chain-graph"]', '[data-testid="logs"]'] },
    { name: 'event-types', path: '/event-types', ready: ['table'] },
    { name: 'actions', path: '/actions', ready: ['table'] },
    { name: 'schedules', path: '/schedules', ready: ['[data-testid="schedules"]'] },
    { name: 'sources', path: '/sources', ready: ['[data-testid="sources"]'] },
    {
      name: 'sinks',
      path: '/sinks',
      ready: [`${sinkRow} >> text=ONLINE`],
      then: async () => {
        await page.getByRole('button', { name: 'Kill ui-test-sink', exact: true }).click();
        await page.getByRole('dialog').waitFor();
        await shoot('sinks-confirm');
        await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
      },
    },
    { name: 'sink-types', path: '/sink-types', ready: ['[data-testid="sink-types"]'] },
    { name: 'secrets', path: '/secrets', ready: ['[data-testid="secrets"]'] },
    { name: 'users', path: '/users', ready: ['[data-testid="tokens"]'] },
    { name: 'audit', path: '/audit', ready: ['[data-testid="audit"]'] },
  ];
  for (const screen of screens) {
    await page.goto(`${stack.app.origin}/ui${screen.path}`);
    for (const selector of screen.ready) await page.locator(selector).first().waitFor();
    await shoot(screen.name);
    await screen.then?.();
  }

  const viewer = await browser.context.newPage();
  await viewer.goto(stack.app.uiUrl);
  await viewer.getByLabel('API token').fill(stack.viewerToken);
  await viewer.getByRole('button', { name: 'Sign in' }).click();
  await viewer.getByTestId('role').filter({ hasText: 'Viewer' }).waitFor();
  await viewer.goto(`${stack.app.origin}/ui/sinks`);
  await viewer.locator(sinkRow).waitFor();
  await shoot('viewer-sinks', viewer);
} finally {
  await browser.close();
  await stack.close();
}
