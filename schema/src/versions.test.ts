import { describe, expect, it } from 'vitest';
import { highestVersions } from './versions.ts';

describe('highestVersions', () => {
  it('D2, SDK-M1: one copy per id, the highest version, whatever the order copies arrive in', () => {
    const copies = [{ id: 'a', v: 1 }, { id: 'b', v: 3 }, { id: 'a', v: 4 }, { id: 'b', v: 2 }, { id: 'a', v: 2 }];
    expect(Object.fromEntries(highestVersions(copies, (c) => c.v))).toEqual({ a: { id: 'a', v: 4 }, b: { id: 'b', v: 3 } });
    expect(Object.fromEntries(highestVersions([...copies].reverse(), (c) => c.v))).toEqual({ a: { id: 'a', v: 4 }, b: { id: 'b', v: 3 } });
  });

  it('merges into a map it is given', () => {
    const into = new Map([['a', { id: 'a', v: 5 }]]);
    highestVersions([{ id: 'a', v: 3 }, { id: 'c', v: 1 }], (c) => c.v, into);
    expect([...into.values()]).toEqual([{ id: 'a', v: 5 }, { id: 'c', v: 1 }]);
  });
});
