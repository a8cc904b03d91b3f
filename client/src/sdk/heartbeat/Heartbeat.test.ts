import { describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.ts';
import { Heartbeat } from './Heartbeat.ts';

function setup() {
  const clock = new FakeClock();
  const pings: number[] = [];
  const events: string[] = [];
  const hb = new Heartbeat({ interval: 1000, timeout: 300 }, clock, {
    ping: (t) => { pings.push(t); return true; },
    sent: () => events.push('sent'),
    received: (_t, rtt) => events.push(`received ${rtt}`),
    dead: () => events.push('dead'),
  });
  return { clock, pings, events, hb };
}

describe('SDK-H1: heartbeat', () => {
  it('pings every interval while pongs come back', () => {
    const { clock, pings, events, hb } = setup();
    hb.start();
    for (let i = 0; i < 3; i++) {
      clock.advance(1000);
      clock.advance(50);
      hb.pong(pings.at(-1)!);
    }
    expect(pings).toEqual([1000, 2050, 3100]);
    expect(events).toEqual(['sent', 'received 50', 'sent', 'received 50', 'sent', 'received 50']);
  });

  it('a missing pong declares the connection dead within the timeout', () => {
    const { clock, events, hb } = setup();
    hb.start();
    clock.advance(1000);
    clock.advance(299);
    expect(events).toEqual(['sent']);
    clock.advance(1);
    expect(events).toEqual(['sent', 'dead']);
    expect(hb.running).toBe(false);
  });

  it('stop() cancels everything', () => {
    const { clock, events, hb } = setup();
    hb.start();
    clock.advance(1000);
    hb.stop();
    clock.advance(10_000);
    expect(events).toEqual(['sent']);
  });
});
