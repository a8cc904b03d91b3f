import { describe, expect, it } from 'vitest';
import { parseStateless } from '@parley/schema';
import { Presence } from './Presence.ts';

function presence() {
  const events: string[] = [];
  const p = new Presence((id, online) => events.push(`${id}:${online ? 'on' : 'off'}`));
  const apply = (json: unknown) => {
    const msg = parseStateless(JSON.stringify(json));
    return msg ? p.apply(msg) : null;
  };
  return { p, events, apply };
}

describe('SDK-P1: presence from stateless messages', () => {
  it('a snapshot replaces the set and emits only the differences', () => {
    const { p, events, apply } = presence();
    expect(apply({ type: 'presenceSnapshot', online: ['a', 'b'] })).toBe(true);
    // A snapshot with junk in it is not a snapshot: the one parser (@parley/schema) refuses it whole.
    expect(apply({ type: 'presenceSnapshot', online: ['b', 'c', 7] })).toBeNull();
    expect(apply({ type: 'presenceSnapshot', online: ['b', 'c'] })).toBe(true);
    expect(p.list().sort()).toEqual(['b', 'c']);
    expect(events).toEqual(['a:on', 'b:on', 'a:off', 'c:on']);
    expect(apply({ type: 'presenceSnapshot', online: ['c', 'b'] })).toBe(false);
    expect(events).toHaveLength(4);
  });

  it('an update toggles one user; a repeated one is no news', () => {
    const { p, events, apply } = presence();
    expect(apply({ type: 'presence', userId: 'a', online: true })).toBe(true);
    expect(apply({ type: 'presence', userId: 'a', online: true })).toBe(false);
    expect(p.has('a')).toBe(true);
    expect(apply({ type: 'presence', userId: 'a', online: false })).toBe(true);
    expect(p.has('a')).toBe(false);
    expect(events).toEqual(['a:on', 'a:off']);
  });

  it('ignores what it does not understand', () => {
    const { events, apply } = presence();
    expect(apply({ type: 'presence' })).toBeNull();
    expect(apply({ type: 'callInvite', from: 'x' })).toBeNull();
    expect(parseStateless('not json')).toBeNull();
    expect(parseStateless('null')).toBeNull();
    expect(parseStateless('{"type":"pong","t":5}')).toEqual({ type: 'pong', t: 5 });
    expect(events).toEqual([]);
  });
});
