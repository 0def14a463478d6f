// Greets someone. Uses a STATIC, a DATA and a SECRET parameter; never returns or logs the secret.
export async function run(ctx, payload, params) {
  ctx.log.info('greeting someone', { name: params.name });
  console.log(`raw output: greeting ${params.name}`);
  if (payload.fail) throw Object.assign(new Error(`cannot greet ${params.name}`), { code: 'GREETING_REFUSED' });
  if (payload.warn) ctx.warn('the greeting was shortened');
  ctx.log.info('greeted', { signed: typeof params.apiKey === 'string' && params.apiKey.length > 0 });
  return { greeting: `${params.greeting}, ${params.name}!`, signed: typeof params.apiKey === 'string' };
}
