import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskHooks } from '../src/executors/executor.js';
import { NodeExecutor } from '../src/executors/node.js';
import { availableRuntimes, probeRuntimes, routeModules, runtimeOf, type RoutingExecutor } from '../src/executors/router.js';
import { FIXTURES, makeTask } from './support/helpers.js';

const PY = fileURLToPath(new URL('./fixtures/python', import.meta.url));
const hooks: TaskHooks = { onLog: () => undefined };

describe('executor routing by module file', () => {
  let node: NodeExecutor;
  const open: RoutingExecutor[] = [];
  beforeAll(async () => {
    node = await NodeExecutor.start({ size: 1, moduleRoots: [FIXTURES, PY] });
  });
  afterAll(async () => {
    for (const executor of open) await executor.close();
    await node.close();
  });

  it('maps file extensions to runtimes', () => {
    expect(['a.py', 'a.ps1', 'a.psm1', 'a.mjs', 'a.js', 'a.ts', 'a.mts', 'a.txt'].map(runtimeOf)).toEqual([
      'python', 'powershell', 'powershell', 'node', 'node', 'node', 'node', undefined,
    ]);
  });

  it('probes the interpreters; a missing one is not a runtime of the sink', async () => {
    const probes = await probeRuntimes({ pythonPath: 'python3', pwshPath: '/nonexistent/pwsh' });
    expect(probes.python.available).toBe(true);
    expect(probes.powershell).toEqual({ available: false, reason: '/nonexistent/pwsh is not runnable: not found on the PATH' });
    expect(availableRuntimes(probes)).toEqual(['node', 'python']);
  });

  it('runs the first file found under the roots, in order, with the executor of its runtime', async () => {
    const probes = await probeRuntimes({ pythonPath: 'python3', pwshPath: '/nonexistent/pwsh' });
    const nodeFirst = routeModules(node, probes, { concurrency: 1, moduleRoots: [FIXTURES, PY], pythonPath: 'python3', pwshPath: 'pwsh' });
    const pythonFirst = routeModules(node, probes, { concurrency: 1, moduleRoots: [PY, FIXTURES], pythonPath: 'python3', pwshPath: 'pwsh' });
    open.push(nodeFirst, pythonFirst);
    // echo exists as echo.mjs (node fixtures) and echo.py (python fixtures).
    const viaNode = await nodeFirst.run(makeTask('echo', { payload: { n: 1 } }), hooks);
    expect(viaNode.result).toMatchObject({ payload: { n: 1 }, task: expect.objectContaining({ module: 'echo' }) });
    const viaPython = await pythonFirst.run(makeTask('echo', { payload: { n: 2 } }), hooks);
    expect(viaPython.result).toMatchObject({ payload: { n: 2 }, event_id: expect.any(String) });
    expect((await nodeFirst.run(makeTask('orders.enrich', { payload: { lines: [] } }), hooks)).result).toEqual({ total: 0 });
  });

  it('ends MODULE_NOT_FOUND saying why, for a module of a runtime the sink lacks', async () => {
    const probes = await probeRuntimes({ pythonPath: '/nonexistent/python3', pwshPath: '/nonexistent/pwsh' });
    expect(availableRuntimes(probes)).toEqual(['node']);
    const router = routeModules(node, probes, { concurrency: 1, moduleRoots: [PY], pythonPath: '/nonexistent/python3', pwshPath: '/nonexistent/pwsh' });
    open.push(router);
    expect(router.runtimes).toEqual(['node']);
    const python = await router.run(makeTask('echo'), hooks);
    expect(python.error?.code).toBe('MODULE_NOT_FOUND');
    expect(python.error?.message).toBe(
      `module echo is a Python module (${PY}/echo.py), but this sink has no python runtime: /nonexistent/python3 is not runnable: not found on the PATH (set the Python interpreter with --python or the pythonPath option)`,
    );
    const powershell = await router.run(makeTask('shell.hello'), hooks);
    expect(powershell.error).toMatchObject({ code: 'MODULE_NOT_FOUND', message: expect.stringContaining('is a PowerShell module') });
    expect(powershell.error?.message).toContain('no powershell runtime: /nonexistent/pwsh is not runnable');
    const missing = await router.run(makeTask('billing.run'), hooks);
    expect(missing.error?.code).toBe('MODULE_NOT_FOUND');
    expect(missing.error?.message).toContain(`${PY}/billing/run.py`);
    expect(missing.error?.message).toContain(`${PY}/billing/run.mjs`);
  });
});
