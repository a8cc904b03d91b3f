import { describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.ts';
import { Reconnector } from './Reconnector.ts';
import type { ReconnectOptions } from './delay.ts';

function run(options: Partial<ReconnectOptions>, failures: number) {
  const clock = new FakeClock();
  const at: number[] = [];
  let gaveUp = -1;
  const r: Reconnector = new Reconnector(
    { strategy: 'exponential', maxRetries: 0, initialDelay: 100, maxDelay: 1000, jitter: 0, ...options },
    clock,
    {
      attempt: () => {
        at.push(clock.now());
        if (at.length < failures) r.schedule();
        else r.succeeded();
      },
      giveUp: (n) => { gaveUp = n; },
    },
  );
  r.schedule();
  clock.advance(60_000);
  return { at, gaveUp, r };
}

describe('SDK-R2: the reconnector follows its strategy on a fake clock', () => {
  it('exponential: 100, 200, 400, 800, 1000 (capped)', () => {
    expect(run({}, 6).at).toEqual([100, 300, 700, 1500, 2500, 3500]);
  });

  it('linear: 100, 200, 300', () => {
    expect(run({ strategy: 'linear' }, 3).at).toEqual([100, 300, 600]);
  });

  it('fixed: 100 each', () => {
    expect(run({ strategy: 'fixed' }, 4).at).toEqual([100, 200, 300, 400]);
  });

  it('gives up after maxRetries', () => {
    const { at, gaveUp } = run({ strategy: 'fixed', maxRetries: 3 }, 99);
    expect(at).toEqual([100, 200, 300]);
    expect(gaveUp).toBe(3);
  });

  it('a success resets the attempt count', () => {
    const { r } = run({ strategy: 'fixed' }, 2);
    expect(r.attempt).toBe(0);
  });

  it('holds at most one timer', () => {
    const clock = new FakeClock();
    let n = 0;
    const r = new Reconnector({ strategy: 'fixed', maxRetries: 0, initialDelay: 100, maxDelay: 100, jitter: 0 }, clock, {
      attempt: () => { n++; }, giveUp: () => {},
    });
    r.schedule();
    r.schedule();
    r.schedule();
    clock.advance(1000);
    expect(n).toBe(1);
  });
});
