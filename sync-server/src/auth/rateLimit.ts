import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Redis } from 'ioredis';
import { ParleyError } from '@parley/schema';

/**
 * Attempt limiters for logins and registrations (docs/api.md, "Abuse limits"):
 * at most `points` attempts per key in a fixed window of `durationMs`, on
 * rate-limiter-flexible. With Redis (REDIS_URL) the counts are shared by every
 * instance, with a memory limiter standing in while Redis is unreachable;
 * without it they live in this process.
 */
export interface AttemptLimiter {
  /** Milliseconds until the key may try again; 0 when it may now. */
  retryAfter(key: string): Promise<number>;
  /** Counts one attempt against the key. */
  hit(key: string): Promise<void>;
  reset(key: string): Promise<void>;
}

export interface LimiterOptions {
  /** Distinguishes limiters that share a Redis. */
  name: string;
  points: number;
  durationMs: number;
  redis?: Redis | undefined;
}

export function createAttemptLimiter({ name, points, durationMs, redis }: LimiterOptions): AttemptLimiter {
  const duration = Math.max(1, Math.ceil(durationMs / 1000));
  const keyPrefix = `parley:limit:${name}`;
  const memory = new RateLimiterMemory({ keyPrefix, points, duration });
  const limiter: RateLimiterAbstract = redis
    ? new RateLimiterRedis({ storeClient: redis, useRedisPackage: false, keyPrefix, points, duration, insuranceLimiter: memory })
    : memory;
  return {
    async retryAfter(key) {
      const res = await limiter.get(key);
      return res && res.consumedPoints >= points ? Math.max(1, res.msBeforeNext) : 0;
    },
    async hit(key) {
      await limiter.penalty(key, 1);
    },
    async reset(key) {
      await limiter.delete(key);
    },
  };
}

/** The login limits: a per-address-and-name bucket, so nobody elsewhere can lock an owner out, and a wider per-address one. */
export interface LoginLimits {
  pair: AttemptLimiter;
  address: AttemptLimiter;
  registration: AttemptLimiter;
}

/** RATE_LIMITED with the wait, so the HTTP edge can send Retry-After. */
export class RateLimitedError extends ParleyError {
  readonly retryAfterMs: number;
  constructor(retryAfterMs: number, message = 'too many failed logins; try again later') {
    super('RATE_LIMITED', message);
    this.retryAfterMs = retryAfterMs;
  }
}
