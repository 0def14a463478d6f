// Step 3: tell someone. Here: a structured log record the hub stores with the event.
export async function run(ctx, payload) {
  const message = `order ${payload.orderId} stored (${payload.total})`;
  ctx.log.info('notification sent', { message });
  return { notified: true, message };
}
