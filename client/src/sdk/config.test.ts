import { describe, expect, it } from 'vitest';
import { ParleyError } from '@parley/schema';
import { resolveConfig, type ParleyClientConfig } from './config.ts';

class FakeWebSocket {}
const good: ParleyClientConfig = {
  serverUrl: 'http://localhost:1234/', token: 't', userId: 'u1', WebSocket: FakeWebSocket, storage: 'memory', broadcastChannel: false,
};

function failure(config: unknown): ParleyError {
  try {
    resolveConfig(config as ParleyClientConfig);
  } catch (e) {
    return e as ParleyError;
  }
  throw new Error('expected CONFIG_INVALID');
}

describe('SDK-C1: config', () => {
  it('fills defaults and derives the WebSocket URL', () => {
    const c = resolveConfig(good);
    expect(c.apiUrl).toBe('http://localhost:1234/api');
    expect(c.wsUrl).toBe('ws://localhost:1234/sync');
    expect(c.reconnect).toEqual({ strategy: 'exponential', maxRetries: 0, initialDelay: 1000, maxDelay: 30_000, jitter: 0.5 });
    expect(c.heartbeat).toEqual({ interval: 25_000, timeout: 10_000 });
    expect(resolveConfig({ ...good, serverUrl: 'https://x.example' }).wsUrl).toBe('wss://x.example/sync');
  });

  it('accepts maxRetries: Infinity as "never give up"', () => {
    expect(resolveConfig({ ...good, reconnect: { maxRetries: Infinity } }).reconnect.maxRetries).toBe(0);
  });

  it('rejects bad config at construction with CONFIG_INVALID naming every problem', () => {
    const e = failure({ ...good, serverUrl: 'ftp://x', token: '', reconnect: { strategy: 'random', initialDelay: -1 }, heartbeat: { timeout: 'soon' } });
    expect(e).toBeInstanceOf(ParleyError);
    expect(e.code).toBe('CONFIG_INVALID');
    for (const part of ['serverUrl', 'token', 'reconnect.strategy', 'reconnect.initialDelay', 'heartbeat.timeout']) expect(e.message).toContain(part);
  });

  it('rejects a missing config, userId, and indexeddb where there is none', () => {
    expect(failure(null).code).toBe('CONFIG_INVALID');
    expect(failure({ ...good, userId: undefined }).message).toContain('userId');
    expect(failure({ ...good, storage: 'indexeddb' }).message).toContain('indexedDB');
  });
});
