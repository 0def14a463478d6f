// Records what the previous step returned (its result is this event's payload).
export async function run(ctx, payload) {
  ctx.log.info('recorded', { keys: Object.keys(payload) });
  return { recorded: payload };
}
