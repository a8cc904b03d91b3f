import { ParleyError } from '@parley/schema';

/**
 * Failed-login limiter: at most `attempts` failures per key inside a sliding
 * `windowMs`. In memory, per process: several sync-server instances each
 * allow that many, which docs/api.md states. Keys are `user:<name>` and `addr:<ip>`.
 */
export interface LoginLimiter {
  /** Milliseconds until the key may try again; 0 when it may now. */
  retryAfter(key: string): number;
  fail(key: string): void;
  reset(key: string): void;
}

export interface LimiterOptions {
  attempts: number;
  windowMs: number;
  now?: () => number;
  /** Keys kept before expired ones are swept, so random usernames cannot grow memory without bound. */
  maxKeys?: number;
}

export function createLoginLimiter({ attempts, windowMs, now = Date.now, maxKeys = 100_000 }: LimiterOptions): LoginLimiter {
  const failures = new Map<string, number[]>();

  const recent = (key: string): number[] => {
    const since = now() - windowMs;
    const times = (failures.get(key) ?? []).filter((t) => t > since);
    if (times.length) failures.set(key, times);
    else failures.delete(key);
    return times;
  };

  const sweep = () => {
    for (const key of [...failures.keys()]) recent(key);
    // Still full of live keys (an attack on many names): forget the oldest.
    for (const key of failures.keys()) {
      if (failures.size < maxKeys) break;
      failures.delete(key);
    }
  };

  return {
    retryAfter(key) {
      const times = recent(key);
      if (times.length < attempts) return 0;
      return Math.max(1, times[times.length - attempts]! + windowMs - now());
    },
    fail(key) {
      if (!failures.has(key) && failures.size >= maxKeys) sweep();
      const times = recent(key);
      times.push(now());
      failures.set(key, times.slice(-attempts));
    },
    reset(key) {
      failures.delete(key);
    },
  };
}

/** RATE_LIMITED with the wait, so the HTTP edge can send Retry-After. */
export class RateLimitedError extends ParleyError {
  readonly retryAfterMs: number;
  constructor(retryAfterMs: number) {
    super('RATE_LIMITED', 'too many failed logins; try again later');
    this.retryAfterMs = retryAfterMs;
  }
}
