import type { Clock } from '../clock.ts';
import { reconnectDelay, type ReconnectOptions } from './delay.ts';

export interface ReconnectorHooks {
  /** Time to try again: `attempt` counts from 1 since the last success. */
  attempt(attempt: number): void;
  /** maxRetries attempts failed in a row. */
  giveUp(attempts: number): void;
}

/**
 * Schedules reconnect attempts after a drop (rule SDK-R2): one timer at a time, the
 * delay from the strategy, reset by a success. Knows nothing about sockets.
 */
export class Reconnector {
  private attempts = 0;
  private timer: unknown = null;

  constructor(
    private readonly options: ReconnectOptions,
    private readonly clock: Clock,
    private readonly hooks: ReconnectorHooks,
    private readonly random: () => number = Math.random,
  ) {}

  get attempt(): number {
    return this.attempts;
  }

  get scheduled(): boolean {
    return this.timer !== null;
  }

  /** The connection dropped or an attempt failed: plan the next attempt. Returns its delay, or null after giving up. */
  schedule(): number | null {
    if (this.timer !== null) return null;
    if (this.options.maxRetries > 0 && this.attempts >= this.options.maxRetries) {
      this.hooks.giveUp(this.attempts);
      return null;
    }
    this.attempts += 1;
    const attempt = this.attempts;
    const delay = reconnectDelay(this.options, attempt, this.random);
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      this.hooks.attempt(attempt);
    }, delay);
    return delay;
  }

  succeeded(): void {
    this.cancel();
    this.attempts = 0;
  }

  cancel(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  reset(): void {
    this.cancel();
    this.attempts = 0;
  }
}
