import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskLog } from '../src/executors/executor.js';
import { createPowerShellExecutor } from '../src/executors/powershell.js';
import type { ScriptExecutor } from '../src/executors/script-executor.js';
import { makeTask } from './support/helpers.js';

const PS = fileURLToPath(new URL('./fixtures/powershell', import.meta.url));

function pwshRunnable(): boolean {
  try {
    execFileSync('pwsh', ['-NoProfile', '-NonInteractive', '-Command', '$PSVersionTable.PSVersion.Major'], { stdio: 'ignore', timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
}
const hasPwsh = pwshRunnable();
if (!hasPwsh) console.log('powershell executor tests skipped: pwsh (PowerShell 7) is not on the PATH');

describe('powershell executor (real pwsh workers)', () => {
  let executor: ScriptExecutor;
  beforeAll(() => {
    if (hasPwsh) executor = createPowerShellExecutor({ pwshPath: 'pwsh', size: 1, moduleRoots: [PS] });
  });
  afterAll(async () => {
    await executor?.close();
  });

  async function run(module: string, overrides = {}, secret?: (key: string) => Promise<string>) {
    const logs: TaskLog[] = [];
    const outcome = await executor.run(makeTask(module, overrides), { onLog: (log) => logs.push(log), ...(secret ? { secret } : {}) });
    return { outcome, logs };
  }

  it.skipIf(!hasPwsh)('runs a .ps1 script with $Context, $Payload and $Params; its output is the result', async () => {
    const { outcome } = await run('echo', { eventId: 'ev-ps', payload: { name: 'ada' }, parameters: { region: { value: 'eu' } } });
    expect(outcome).toMatchObject({ outcome: 'SUCCESS', result: { payload: { name: 'ada' }, params: { region: 'eu' }, eventId: 'ev-ps' } });
  });

  it.skipIf(!hasPwsh)('turns $Context.Log into records, Write-Host into stdout, stderr into stderr, and Warn into WARNING', async () => {
    const { outcome, logs } = await run('logs');
    expect(outcome).toMatchObject({ outcome: 'WARNING', result: 'ok', warnings: ['stock is low'] });
    expect(logs.find((log) => log.stream === 'log')).toMatchObject({ message: 'structured hello', level: 'info', fields: { orderId: 42 } });
    expect(logs.filter((log) => log.stream === 'stdout').map((log) => log.message)).toContain('printed line');
    expect(logs.filter((log) => log.stream === 'stderr').map((log) => log.message)).toContain('oops on stderr');
  });

  it.skipIf(!hasPwsh)('ends ERROR with the code and retryable of a thrown exception, with the script stack', async () => {
    const { outcome } = await run('fails');
    expect(outcome.error).toMatchObject({ code: 'ORDER_INVALID', message: 'order 7 is invalid', retryable: false });
    expect((outcome.error?.details as { traceback: string }).traceback).toContain('fails.ps1');
  });

  it.skipIf(!hasPwsh)('resolves $Context.Secret through hooks.secret', async () => {
    const { outcome } = await run('secret', {}, async (key) => `value-of-${key}`);
    expect(outcome).toMatchObject({ outcome: 'SUCCESS', result: { key: 'value-of-API_KEY' } });
  });

  it.skipIf(!hasPwsh)('calls Run of a .psm1 module', async () => {
    const { outcome } = await run('ops.restart', { payload: { service: 'spooler' } });
    expect(outcome).toMatchObject({ outcome: 'SUCCESS', result: { restarted: 'spooler' } });
  });

  it.skipIf(!hasPwsh)('kills an aborted task, fails a task whose process exits, and recovers', async () => {
    const controller = new AbortController();
    const hung = executor.run(makeTask('hangs'), {
      onLog: (log) => log.message === 'waiting forever' && controller.abort({ code: 'TIMEOUT', message: 'too slow' }),
      signal: controller.signal,
    });
    expect(await hung).toMatchObject({ outcome: 'ERROR', error: { code: 'TIMEOUT' } });
    expect((await run('exits')).outcome.error).toMatchObject({ code: 'MODULE_ERROR', message: expect.stringContaining('code 3') });
    expect((await run('echo')).outcome.outcome).toBe('SUCCESS');
  });
});
