import { describe, expect, it } from 'vitest';
import { isNexomaticError, silentLogger } from '@nexomatic/core';
import { MAX_RETRY_DELAY_MS, retryDelayMs } from '../src/backoff.js';
import { hubWebSocketUrl, resolveSinkOptions } from '../src/options.js';
import packageJson from '../package.json' with { type: 'json' };

const valid = { hubUrl: 'http://127.0.0.1:4000', clientId: 'LOCAL:BASE', clientSecret: 's3cret' };

function validationError(input: unknown): Error & { details?: { fields: string[] } } {
  try {
    resolveSinkOptions(input as never);
  } catch (error) {
    if (isNexomaticError(error, 'VALIDATION')) return error as Error & { details?: { fields: string[] } };
    throw error;
  }
  throw new Error('expected a VALIDATION error');
}

describe('sink options', () => {
  it('fills in the defaults', () => {
    const options = resolveSinkOptions(valid);
    expect(options).toMatchObject({
      concurrency: 4,
      heartbeatIntervalMs: 5000,
      maxPendingReports: 10_000,
      modules: [process.cwd()],
      version: packageJson.version,
      logger: silentLogger,
    });
    expect(options.name).toMatch(new RegExp(`-${process.pid}$`));
  });

  it('names each bad field', () => {
    const missing = validationError({ hubUrl: valid.hubUrl, clientId: 'LOCAL:BASE' });
    expect(missing.message).toContain('clientSecret');
    expect(missing.details?.fields).toEqual(['clientSecret']);

    const several = validationError({ ...valid, hubUrl: 'ftp://hub', concurrency: 0, tenantUuid: 'nope' });
    expect(several.details?.fields.sort()).toEqual(['concurrency', 'hubUrl', 'tenantUuid']);
    expect(several.message).toMatch(/hubUrl: must be an http\(s\) URL/);

    expect(validationError({ ...valid, logger: console.log }).message).toContain('logger');
    expect(validationError({ ...valid, clientId: 'has spaces' }).message).toContain('clientId');
  });

  it('derives the WebSocket URL from the hub URL', () => {
    expect(hubWebSocketUrl('http://127.0.0.1:4000')).toBe('ws://127.0.0.1:4000/ws');
    expect(hubWebSocketUrl('https://hub.example.com/nexomatic/')).toBe('wss://hub.example.com/nexomatic/ws');
    expect(hubWebSocketUrl('https://hub.example.com/nexomatic')).toBe('wss://hub.example.com/nexomatic/ws');
    expect(hubWebSocketUrl('http://h:1/base/', '/other/ws')).toBe('ws://h:1/other/ws');
  });
});

describe('reconnect backoff', () => {
  it('starts at 0, grows with jitter, and is capped at 10 s', () => {
    expect(retryDelayMs(0)).toBe(0);
    expect(retryDelayMs(1, () => 0)).toBe(250);
    expect(retryDelayMs(1, () => 1)).toBe(500);
    expect(retryDelayMs(3, () => 0)).toBe(1000);
    expect(retryDelayMs(50, () => 1)).toBe(MAX_RETRY_DELAY_MS);
    expect(retryDelayMs(50, () => 0)).toBe(MAX_RETRY_DELAY_MS / 2);
  });
});
