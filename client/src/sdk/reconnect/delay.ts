/**
 * Reconnect delays (rule SDK-R1): attempt n (1-based) waits
 *   fixed:       initialDelay
 *   linear:      initialDelay · n
 *   exponential: initialDelay · 2^(n-1)
 * capped at maxDelay. With jitter, the wait is drawn uniformly from
 * [delay·(1-jitter), delay], so clients dropped together by a server restart do
 * not all come back in the same millisecond (no reconnect storm).
 */
export type ReconnectStrategy = 'fixed' | 'linear' | 'exponential';

export interface ReconnectOptions {
  strategy: ReconnectStrategy;
  /** Attempts after a drop before giving up; 0 = never give up. */
  maxRetries: number;
  initialDelay: number;
  maxDelay: number;
  /** 0 = none, 1 = anywhere between 0 and the delay. */
  jitter: number;
}

export function baseDelay(options: ReconnectOptions, attempt: number): number {
  const n = Math.max(1, Math.floor(attempt));
  const { initialDelay, maxDelay } = options;
  let delay: number;
  switch (options.strategy) {
    case 'fixed':
      delay = initialDelay;
      break;
    case 'linear':
      delay = initialDelay * n;
      break;
    case 'exponential':
      // 2^n overflows to Infinity long before it matters; the cap handles it.
      delay = initialDelay * 2 ** (n - 1);
      break;
  }
  return Math.min(delay, maxDelay);
}

/** `random` returns a number in [0, 1); tests pass a constant. */
export function reconnectDelay(options: ReconnectOptions, attempt: number, random: () => number = Math.random): number {
  const delay = baseDelay(options, attempt);
  if (options.jitter <= 0) return delay;
  const spread = delay * Math.min(1, options.jitter);
  return Math.round(delay - spread * random());
}
