/**
 * The admin UI in a real browser (Debian's Chromium through playwright-core) against a real stack:
 * the UI built with Vite, an Express app embedding a hub (SQLite in a temp folder) and real sinks.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page, Response } from 'playwright-core';
import type { ControlSignal } from '@nexomatic/core';
import { launchBrowser } from './support/browser.js';
import { startAdminStack, type AdminStack } from './support/stack.js';

let stack: AdminStack;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let admin: Page;

/** Opens a new tab (its own sessionStorage: signed out) and signs in with a token. */
async function signIn(token: string, role: 'Admin' | 'Viewer'): Promise<Page> {
  const page = await browser.context.newPage();
  page.setDefaultTimeout(15_000);
  await page.goto(stack.app.uiUrl);
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('role').filter({ hasText: role }).waitFor();
  return page;
}

/** Goes to a screen through the navigation, as a user would. */
async function open(page: Page, screen: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: screen, exact: true }).click();
  await page.getByRole('heading', { level: 1, name: screen }).waitFor();
}

/** Fires an event from the Events screen and lands on its detail page; returns its id. */
async function fireFromUi(page: Page, eventType: string, payload: object): Promise<string> {
  await open(page, 'Events');
  await page.getByText('Fire an event').click();
  await page.locator('details.fire select[name="eventType"]').selectOption(eventType);
  await page.getByLabel('Payload (JSON)').fill(JSON.stringify(payload));
  await page.getByRole('button', { name: 'Fire event' }).click();
  await page.waitForURL(/\/ui\/events\/[^/]+$/);
  return page.url().split('/').pop()!;
}

beforeAll(async () => {
  [stack, browser] = await Promise.all([startAdminStack(), launchBrowser()]);
  admin = await signIn(stack.adminToken, 'Admin');
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

describe('admin UI in Chromium', () => {
  it('signs in with an Admin token and shows the dashboard with the sink online', async () => {
    await admin.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    await expect.poll(() => admin.getByTestId('sinks-online').textContent()).toContain('1');
    // A bad token is refused in plain words and nothing is kept.
    const page = await browser.context.newPage();
    await page.goto(stack.app.uiUrl);
    await page.getByLabel('API token').fill('nxm_not-a-real-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'did not accept your token' }).waitFor();
    expect(await page.evaluate("sessionStorage.getItem('nexomatic.token')")).toBeNull();
    // Keyboard focus is visible: Tab from the token field to the button draws a focus ring.
    await page.getByLabel('API token').focus();
    await page.keyboard.press('Tab');
    const ring = await page.evaluate<{ text: string; outline: string }>(
      '({ text: document.activeElement.textContent, outline: getComputedStyle(document.activeElement).outlineStyle })',
    );
    expect(ring).toEqual({ text: 'Sign in', outline: 'solid' });
    await page.close();
  });

  it('fires an event and shows it go from QUEUED to SUCCESS live, its logs arriving live; the link survives a reload', async () => {
    // The report holds mid-run until the test creates this file.
    const gates = mkdtempSync(join(tmpdir(), 'nexomatic-ui-gate-'));
    const gate = join(gates, 'report');
    // What the page receives over the hub's WebSocket (the live log tail).
    const frames: string[] = [];
    admin.on('websocket', (socket) => {
      if (new URL(socket.url()).pathname === '/hub/ws') socket.on('framereceived', ({ payload }) => void frames.push(String(payload)));
    });
    // Nothing serves ADMIN:BATCH yet, so the event stays QUEUED until the test starts a sink for it.
    const id = await fireFromUi(admin, 'admin.nightly-report', { rows: [1, 2, 3], gate });
    const state = admin.getByTestId('event-state');
    await state.filter({ hasText: 'QUEUED' }).waitFor();
    expect((await stack.hub.getEvent(id)).state).toBe('QUEUED');
    await open(admin, 'Dashboard');
    await admin.getByTestId('starving').getByText('ADMIN:BATCH').waitFor();
    await admin.goBack();
    await state.filter({ hasText: 'QUEUED' }).waitFor();

    const urlBefore = admin.url();
    await stack.startBatchSink();
    // While the report runs, its first record arrives on the page, pushed over the WebSocket.
    const logs = admin.getByTestId('logs');
    await logs.getByText('report started').waitFor();
    await state.filter({ hasText: 'RUNNING' }).waitFor();
    expect((await stack.hub.getEvent(id)).state).toBe('RUNNING');
    expect(frames.some((f) => f.includes('report started'))).toBe(true);
    await admin.locator('#logs [aria-label="live"]').waitFor();
    writeFileSync(gate, 'open');
    await logs.getByText('report built').waitFor();
    rmSync(gates, { recursive: true, force: true });
    await state.filter({ hasText: 'SUCCESS' }).waitFor();
    expect(admin.url()).toBe(urlBefore);
    await expect.poll(() => logs.textContent()).toContain('"rows":3');
    await admin.getByLabel('Result').getByText('"rows": 3').waitFor();

    await admin.reload();
    await admin.getByTestId('event-state').filter({ hasText: 'SUCCESS' }).waitFor();
    await admin.getByRole('heading', { level: 1, name: `Event ${id.slice(0, 8)}` }).waitFor();
  });

  it('shows a chain as a graph and Parameters with the secret masked', async () => {
    await fireFromUi(admin, 'admin.greet', { name: 'Ada' });
    await admin.getByTestId('event-state').filter({ hasText: 'SUCCESS' }).waitFor();
    const graph = admin.getByTestId('chain-graph');
    await graph.getByRole('link', { name: /admin\.greeted, SUCCESS/ }).waitFor();
    await graph.getByRole('link', { name: /admin\.greet, SUCCESS \(this event\)/ }).waitFor();
    const params = admin.getByTestId('parameters');
    await params.getByText('GREETER_API_KEY').waitFor();
    expect(await params.textContent()).toContain('"Ada"');
    expect(await admin.content()).not.toContain(stack.demoSecretValue);
    // Follow the chain to the follow-on event.
    await graph.getByRole('link', { name: /admin\.greeted/ }).click();
    await admin.getByTestId('chain-graph').getByRole('link', { name: /admin\.greeted, SUCCESS \(this event\)/ }).waitFor();
  });

  it('shows each Schedule with its next runs, and a webhook URL that really fires an event', async () => {
    await open(admin, 'Schedules');
    await expect.poll(() => admin.getByTestId('runs-nightly-report').getByRole('listitem').count()).toBe(3);
    await open(admin, 'Sources');
    const url = await admin.getByLabel('URL of greet-hook', { exact: true }).inputValue();
    expect(url).toMatch(new RegExp(`^${stack.app.hubUrl}/hooks/[^/]+$`));
    const posted = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Hook' }) });
    expect(posted.status).toBe(202);
    const { id } = (await posted.json()) as { id: string };
    await admin.goto(`${stack.app.origin}/ui/events/${id}`);
    await admin.getByTestId('event-state').filter({ hasText: 'SUCCESS' }).waitFor();
    expect(await admin.getByTestId('parameters').textContent()).toContain('"Hook"');
  });

  it('sends a control signal to a sink only after confirmation', async () => {
    const received: ControlSignal[] = [];
    stack.sink.on('control', (signal) => received.push(signal));
    await open(admin, 'Sinks');
    const reset = admin.getByRole('button', { name: 'Reset ui-test-sink' });
    await expect.poll(() => reset.isEnabled()).toBe(true);

    await reset.click();
    const dialog = admin.getByRole('dialog', { name: 'Send RESET to ui-test-sink?' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(received).toEqual([]);

    const backOnline = new Promise<void>((resolve) => stack.sink.once('online', () => resolve()));
    await reset.click();
    await dialog.getByRole('button', { name: 'Send RESET' }).click();
    await admin.getByRole('status').filter({ hasText: 'RESET sent to ui-test-sink.' }).waitFor();
    await expect.poll(() => received).toEqual(['RESET']);
    // The sink restarts its executors and reconnects: ONLINE again, in the list too.
    await backOnline;
    await admin.locator('tr[data-sink-name="ui-test-sink"]').getByText('ONLINE').waitFor();
    // The audit log has the signal.

    await open(admin, 'Audit log');
    await admin.getByTestId('audit').getByRole('row').filter({ hasText: 'ui-test-sink' }).filter({ hasText: 'control' }).first().waitFor();
  });

  it('sets a secret whose value is never shown: not in the page, not in any API answer', async () => {
    const value = `s3cr3t-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
    const bodies: Array<Promise<string>> = [];
    const collect = (response: Response) => {
      if (response.url().includes('/hub/trpc/')) bodies.push(response.text().catch(() => ''));
    };
    admin.on('response', collect);
    await open(admin, 'Secrets');
    await admin.getByLabel('Key', { exact: true }).fill('UI_TEST_SECRET');
    await admin.getByLabel('Value', { exact: true }).fill(value);
    await admin.getByRole('button', { name: 'Save secret' }).click();
    await admin.getByTestId('secrets').getByRole('row').filter({ hasText: 'UI_TEST_SECRET' }).waitFor();
    await admin.getByRole('status').filter({ hasText: 'Secret UI_TEST_SECRET saved' }).waitFor();
    expect(await admin.getByLabel('Value', { exact: true }).inputValue()).toBe('');
    // Reload the list from the hub, then look everywhere the value could be.
    await admin.reload();
    await admin.getByTestId('secrets').getByRole('row').filter({ hasText: 'UI_TEST_SECRET' }).waitFor();
    admin.off('response', collect);
    expect(await admin.content()).not.toContain(value);
    expect(await admin.evaluate<string>('JSON.stringify({ ...sessionStorage }) + JSON.stringify({ ...localStorage })')).not.toContain(value);
    const answers = await Promise.all(bodies);
    expect(answers.length).toBeGreaterThan(1);
    for (const answer of answers) expect(answer).not.toContain(value);
    // It was stored all the same.
    expect((await stack.hub.listSecrets()).map((s) => s.key)).toContain('UI_TEST_SECRET');
  });

  it('a Viewer sees everything read-only and the hub refuses its changes regardless', async () => {
    const viewer = await signIn(stack.viewerToken, 'Viewer');
    await viewer.getByRole('note').filter({ hasText: 'Read-only' }).waitFor();

    await open(viewer, 'Events');
    await viewer.getByTestId('events-table').waitFor();
    expect(await viewer.getByText('Fire an event').count()).toBe(0);

    await open(viewer, 'Sinks');
    const row = viewer.locator('tr[data-sink-name="ui-test-sink"]');
    await row.waitFor();
    for (const name of ['Reset', 'Kill', 'Force kill']) {
      expect(await row.getByRole('button', { name: `${name} ui-test-sink`, exact: true }).isDisabled()).toBe(true);
    }

    await open(viewer, 'Secrets');
    await viewer.getByTestId('secrets').getByText('UI_TEST_SECRET').waitFor();
    expect(await viewer.getByLabel('Value', { exact: true }).count()).toBe(0);
    expect(await viewer.getByRole('button', { name: 'Delete UI_TEST_SECRET' }).isDisabled()).toBe(true);

    await open(viewer, 'Sources');
    await viewer.getByTestId('sources').getByText('hidden: only an Admin sees Source URLs').waitFor();
    expect(await viewer.content()).not.toContain('/hooks/');

    await open(viewer, 'Users and tokens');
    await viewer.getByText('Only an Admin can see and manage API tokens.').waitFor();

    // The server refuses regardless: from the viewer's own page, and straight over HTTP.
    const fromPage = await viewer.evaluate(async (token) => {
      const response = await fetch('/hub/trpc/secrets.put', {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ key: 'VIEWER_WAS_HERE', value: 'nope' }),
      });
      return { status: response.status, body: await response.text() };
    }, stack.viewerToken);
    expect(fromPage.status).toBe(403);
    expect(fromPage.body).toContain('FORBIDDEN');
    const sinkId = stack.sink.sinkId;
    const control = await fetch(`${stack.app.hubUrl}/trpc/sinks.control`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.viewerToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ sinkId, signal: 'KILL' }),
    });
    expect(control.status).toBe(403);
    expect((await stack.hub.listSecrets()).map((s) => s.key)).not.toContain('VIEWER_WAS_HERE');
    expect((await stack.hub.listSinks()).find((s) => s.id === sinkId)?.status).toBe('ONLINE');
    await viewer.close();
  });
});
