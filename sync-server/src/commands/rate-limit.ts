/**
 * A token bucket per user: `rate` commands a second, bursts of up to `burst`.
 * REST writes `take` (and are refused when it says no); the outbox `admit`s,
 * and waits as long as it is told (rule O10).
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {}

  take(key: string): boolean {
    return this.admit(key) === 0;
  }

  /** Takes a token and answers 0, or answers the milliseconds until one is due and takes nothing. */
  admit(key: string): number {
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.rate);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (this.buckets.size > 100_000) this.evictFull(now);
    if (bucket.tokens < 1) return Math.max(1, Math.ceil(((1 - bucket.tokens) / this.rate) * 1000));
    bucket.tokens -= 1;
    return 0;
  }

  /** Buckets that refilled completely carry no information. */
  private evictFull(now: number) {
    for (const [key, b] of this.buckets) {
      if (b.tokens + ((now - b.at) / 1000) * this.rate >= this.burst) this.buckets.delete(key);
    }
  }
}
