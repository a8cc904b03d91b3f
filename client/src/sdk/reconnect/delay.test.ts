import { describe, expect, it } from 'vitest';
import { baseDelay, reconnectDelay, type ReconnectOptions } from './delay.ts';

const opts = (o: Partial<ReconnectOptions>): ReconnectOptions => ({
  strategy: 'exponential', maxRetries: 0, initialDelay: 1000, maxDelay: 30_000, jitter: 0, ...o,
});

describe('SDK-R1: reconnect delays', () => {
  it('fixed waits initialDelay every time', () => {
    expect([1, 2, 3, 10].map((n) => baseDelay(opts({ strategy: 'fixed' }), n))).toEqual([1000, 1000, 1000, 1000]);
  });

  it('linear grows by initialDelay per attempt, capped', () => {
    expect([1, 2, 3, 40].map((n) => baseDelay(opts({ strategy: 'linear' }), n))).toEqual([1000, 2000, 3000, 30_000]);
  });

  it('exponential doubles, capped at maxDelay, never overflows', () => {
    expect([1, 2, 3, 4, 5, 6, 2000].map((n) => baseDelay(opts({}), n))).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
  });

  it('jitter spreads the delay below the base, never above', () => {
    const o = opts({ jitter: 0.5 });
    expect(reconnectDelay(o, 3, () => 0)).toBe(4000);
    expect(reconnectDelay(o, 3, () => 0.999999)).toBe(2000);
    expect(reconnectDelay(o, 3, () => 0.5)).toBe(3000);
  });

  it('many clients restarting together spread out (no reconnect storm)', () => {
    const o = opts({ jitter: 0.5 });
    const delays = Array.from({ length: 1000 }, () => reconnectDelay(o, 1));
    const distinct = new Set(delays.map((d) => Math.floor(d / 50)));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(500);
    expect(Math.max(...delays)).toBeLessThanOrEqual(1000);
    expect(distinct.size).toBeGreaterThan(5);
  });
});
