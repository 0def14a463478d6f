// A batch report: counts the rows it was given. With `payload.gate` (a file path), it logs that it
// started and holds until that file exists (up to a minute), so a demo or a test can watch its
// logs arrive while it runs.
import { existsSync } from 'node:fs';

export async function run(ctx, payload) {
  const rows = Array.isArray(payload.rows) ? payload.rows.length : 0;
  if (typeof payload.gate === 'string') {
    ctx.log.info('report started', { rows });
    const deadline = Date.now() + 60_000;
    while (!existsSync(payload.gate)) {
      if (Date.now() > deadline) throw Object.assign(new Error('the report gate never opened'), { code: 'GATE_TIMEOUT' });
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  ctx.log.info('report built', { rows });
  return { rows };
}
