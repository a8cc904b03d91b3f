import type { Clock } from '../clock.ts';

export interface HeartbeatOptions {
  /** Milliseconds between pings. */
  interval: number;
  /** Milliseconds to wait for the matching pong before the connection counts as dead. */
  timeout: number;
}

export interface HeartbeatHooks {
  /** Send `{"type":"ping","t":t}`; returns false if it could not be sent. */
  ping(t: number): boolean;
  sent?(t: number): void;
  received?(t: number, rttMs: number): void;
  /** No pong within `timeout` (rule SDK-H1): the caller drops the socket and reconnects. */
  dead(): void;
}

/**
 * Application-level liveness over the user document's stateless channel. A
 * half-open TCP connection (laptop lid, NAT timeout) looks open to the socket;
 * only a missing pong reveals it.
 */
export class Heartbeat {
  private tick: unknown = null;
  private deadline: unknown = null;
  private outstanding: number | null = null;

  constructor(
    private readonly options: HeartbeatOptions,
    private readonly clock: Clock,
    private readonly hooks: HeartbeatHooks,
  ) {}

  get running(): boolean {
    return this.tick !== null || this.deadline !== null;
  }

  start(): void {
    this.stop();
    this.scheduleTick();
  }

  stop(): void {
    if (this.tick !== null) this.clock.clearTimeout(this.tick);
    if (this.deadline !== null) this.clock.clearTimeout(this.deadline);
    this.tick = null;
    this.deadline = null;
    this.outstanding = null;
  }

  /** A pong arrived. Pongs for older pings still prove liveness. */
  pong(t: number): void {
    if (this.outstanding === null) return;
    const rtt = this.clock.now() - t;
    this.outstanding = null;
    if (this.deadline !== null) this.clock.clearTimeout(this.deadline);
    this.deadline = null;
    this.hooks.received?.(t, rtt);
    this.scheduleTick();
  }

  private scheduleTick(): void {
    if (this.tick !== null) this.clock.clearTimeout(this.tick);
    this.tick = this.clock.setTimeout(() => {
      this.tick = null;
      this.beat();
    }, this.options.interval);
  }

  private beat(): void {
    const t = this.clock.now();
    this.outstanding = t;
    const sent = this.hooks.ping(t);
    if (sent) this.hooks.sent?.(t);
    this.deadline = this.clock.setTimeout(() => {
      this.deadline = null;
      this.outstanding = null;
      this.hooks.dead();
    }, this.options.timeout);
  }
}
