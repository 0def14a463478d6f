// Step 2: append the priced order to a JSON-lines file (the "database" of the demo).
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

export async function run(ctx, payload, params) {
  await mkdir(dirname(params.file), { recursive: true });
  await appendFile(params.file, `${JSON.stringify({ ...payload, writtenAt: new Date().toISOString() })}\n`);
  console.log(`wrote order ${payload.orderId} to ${params.file}`);
  if (payload.total > 1000) ctx.warn(`order ${payload.orderId} is unusually large: ${payload.total}`);
  return { orderId: payload.orderId, total: payload.total, file: params.file };
}
