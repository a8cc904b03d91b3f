import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { Preferences } from './Preferences.ts';

function pair() {
  const [a, b] = [new Y.Doc(), new Y.Doc()];
  a.on('update', (u: Uint8Array) => Y.applyUpdate(b, u));
  const seen = { drafts: 0, settings: [] as string[] };
  const pa = new Preferences(a, { drafts: () => {}, settings: () => {} }, () => 42);
  const pb = new Preferences(b, { drafts: () => seen.drafts++, settings: (ids) => seen.settings.push(...ids) });
  return { pa, pb, seen };
}

describe('SDK-D1: drafts and settings live in the user document', () => {
  it('a draft reaches the other replica; an empty text deletes it', () => {
    const { pa, pb, seen } = pair();
    pa.setDraft('c1', 'half a thought', 'm1');
    expect(pb.draft('c1')).toEqual({ text: 'half a thought', replyTo: 'm1', updatedAt: 42 });
    pa.setDraft('c1', '');
    expect(pb.draft('c1')).toBeUndefined();
    expect(seen.drafts).toBe(2);
    expect([...pb.draftMap().keys()]).toEqual([]);
  });

  it('settings merge patch by patch and name the conversation that changed', () => {
    const { pa, pb, seen } = pair();
    pa.patchSettings('c1', { pinned: true });
    pa.patchSettings('c1', { muted: true });
    pa.patchSettings('c2', { clearedBefore: 7 });
    expect(pb.settingsOf('c1')).toEqual({ pinned: true, muted: true });
    expect(pb.settingsOf('c3')).toEqual({});
    expect(pb.settingsMap().get('c2')).toEqual({ clearedBefore: 7 });
    expect(seen.settings).toEqual(['c1', 'c1', 'c2']);
  });

  it('refuses a text that is not a string with a coded error', () => {
    const { pa } = pair();
    expect(() => pa.setDraft('c1', 5 as never)).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });
});
