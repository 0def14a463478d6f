// The On Failure handler of step 1: receives the error and the failed event.
export async function run(ctx, payload) {
  ctx.log.warning('an order failed', { error: payload.error, failedEventId: payload.failedEvent?.id });
  return { alerted: true, code: payload.error?.code ?? null };
}
