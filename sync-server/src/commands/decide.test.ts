import { describe, expect, it } from 'vitest';
import { LIMITS, type Command, type Role } from '@parley/schema';
import { decide, type Facts, type MessageFacts } from './decide.ts';

const NOW = 1_700_000_000_000;
const base = { id: 'cmd-00000001', conversationId: 'c1', createdAt: NOW };

function facts(overrides: Partial<Facts> = {}, members: Record<string, Role> = { alice: 'owner', bob: 'member' }): Facts {
  return {
    now: NOW,
    actorId: 'alice',
    conversation: { id: 'c1', type: 'group', status: 'active', expiresAt: null, title: 'G', avatarUrl: null, lastSeq: 10 },
    members: new Map(Object.entries(members)),
    memberCount: Object.keys(members).length,
    target: null,
    knownUsers: new Set(),
    systemMessageId: 'sys-1',
    ...overrides,
  };
}

const message = (over: Partial<MessageFacts> = {}): MessageFacts => ({
  id: 'm-00000001', conversationId: 'c1', senderId: 'alice', kind: 'text', seq: 5, createdAt: NOW - 1000, recalledAt: null, reactions: {}, text: 'hi', ...over,
});

const send = (over: Partial<Extract<Command, { type: 'send' }>> = {}): Command => ({
  ...base, type: 'send', messageId: 'm-00000009', kind: 'text', text: 'hello', ...over,
});

describe('decide (rule O6)', () => {
  it('appends a message for a member of an active conversation', () => {
    const d = decide(facts(), send());
    expect(d).toMatchObject({ ok: true, effects: [{ type: 'append', id: 'm-00000009', senderId: 'alice', text: 'hello' }] });
  });

  it('refuses non-members, unknown conversations and closed or expired ones', () => {
    expect(decide(facts({ actorId: 'mallory' }), send())).toMatchObject({ ok: false, code: 'NOT_A_MEMBER' });
    expect(decide(facts({ conversation: null }), send())).toMatchObject({ ok: false, code: 'NOT_FOUND' });
    for (const status of ['closed', 'expired'] as const) {
      const f = facts();
      f.conversation = { ...f.conversation!, status };
      expect(decide(f, send())).toMatchObject({ ok: false, code: 'CONVERSATION_CLOSED' });
    }
  });

  it('refuses a reply to a message of another conversation', () => {
    expect(decide(facts({ target: message({ conversationId: 'c2' }) }), send({ replyTo: 'm-00000001' }))).toMatchObject({ ok: false, code: 'NOT_FOUND' });
    expect(decide(facts({ target: message() }), send({ replyTo: 'm-00000001' }))).toMatchObject({ ok: true });
  });

  it('lets only the sender edit, within 24 hours, and not a recalled message', () => {
    const edit: Command = { ...base, type: 'edit', messageId: 'm-00000001', text: 'fixed' };
    expect(decide(facts({ target: message() }), edit)).toMatchObject({ ok: true, effects: [{ type: 'updateMessage', text: 'fixed', editedAt: NOW }] });
    expect(decide(facts({ target: message({ senderId: 'bob' }) }), edit)).toMatchObject({ ok: false, code: 'NOT_ALLOWED' });
    expect(decide(facts({ target: message({ createdAt: NOW - LIMITS.editWindowMs - 1 }) }), edit)).toMatchObject({ ok: false, code: 'EDIT_WINDOW_PASSED' });
    expect(decide(facts({ target: message({ recalledAt: NOW }) }), edit)).toMatchObject({ ok: false, code: 'NOT_ALLOWED' });
    expect(decide(facts({ target: message({ text: 'fixed' }) }), edit)).toMatchObject({ ok: true, effects: [] });
  });

  it('lets group admins recall anyone\'s message at any time, members only their own within 24 hours', () => {
    const recall: Command = { ...base, type: 'recall', messageId: 'm-00000001' };
    const old = message({ senderId: 'bob', createdAt: NOW - 2 * LIMITS.editWindowMs });
    expect(decide(facts({ target: old }), recall)).toMatchObject({ ok: true });
    expect(decide(facts({ actorId: 'bob', target: message() }), recall)).toMatchObject({ ok: false, code: 'NOT_ALLOWED' });
    expect(decide(facts({ actorId: 'bob', target: old }), recall)).toMatchObject({ ok: false, code: 'EDIT_WINDOW_PASSED' });
    const direct = facts({ target: message({ senderId: 'bob' }) });
    direct.conversation = { ...direct.conversation!, type: 'direct' };
    expect(decide(direct, recall)).toMatchObject({ ok: false, code: 'NOT_ALLOWED' });
  });

  it('keeps reactions a set per emoji', () => {
    const react: Command = { ...base, type: 'react', messageId: 'm-00000001', emoji: '👍' };
    const d = decide(facts({ target: message({ reactions: { '👍': ['bob'] } }) }), react);
    expect(d).toMatchObject({ ok: true, effects: [{ reactions: { '👍': ['alice', 'bob'] } }] });
    expect(decide(facts({ target: message({ reactions: { '👍': ['alice'] } }) }), react)).toMatchObject({ ok: true, effects: [] });
    const unreact: Command = { ...base, type: 'unreact', messageId: 'm-00000001', emoji: '👍' };
    expect(decide(facts({ target: message({ reactions: { '👍': ['alice'] } }) }), unreact)).toMatchObject({ ok: true, effects: [{ reactions: {} }] });
  });

  it('clamps a read marker to the last seq', () => {
    expect(decide(facts(), { ...base, type: 'read', seq: 99 })).toMatchObject({ ok: true, seq: 10, effects: [{ type: 'read', seq: 10 }] });
  });

  it('gives group settings to the owner and admins only', () => {
    const rename: Command = { ...base, type: 'rename', title: 'New' };
    expect(decide(facts(), rename)).toMatchObject({ ok: true, effects: [{ type: 'conversation', title: 'New' }, { type: 'append', system: { event: 'renamed' } }] });
    expect(decide(facts({ actorId: 'bob' }), rename)).toMatchObject({ ok: false, code: 'NOT_ALLOWED' });
  });

  it('adds only known users who are not members yet, within the group size', () => {
    const add: Command = { ...base, type: 'addMembers', userIds: ['bob', 'carol', 'carol'] };
    expect(decide(facts({ knownUsers: new Set(['bob', 'carol']) }), add)).toMatchObject({ ok: true, effects: [{ type: 'addMembers', userIds: ['carol'] }, {}] });
    expect(decide(facts({ knownUsers: new Set(['bob']) }), add)).toMatchObject({ ok: false, code: 'NOT_FOUND' });
    expect(decide(facts({ knownUsers: new Set(['bob', 'carol']), memberCount: LIMITS.groupMaxMembers }), add)).toMatchObject({ ok: false, code: 'PAYLOAD_TOO_LARGE' });
  });

  it('lets the owner remove admins and admins remove members, nobody the owner', () => {
    const members = { alice: 'owner', bob: 'admin', carol: 'member' } as const;
    const remove = (userId: string): Command => ({ ...base, type: 'removeMember', userId });
    expect(decide(facts({}, members), remove('bob'))).toMatchObject({ ok: true });
    expect(decide(facts({ actorId: 'bob' }, members), remove('carol'))).toMatchObject({ ok: true });
    expect(decide(facts({ actorId: 'bob' }, members), remove('alice'))).toMatchObject({ ok: false, code: 'NOT_ALLOWED' });
    expect(decide(facts({ actorId: 'carol' }, members), remove('bob'))).toMatchObject({ ok: false, code: 'NOT_ALLOWED' });
  });

  it('passes ownership on when the owner leaves', () => {
    const members = { alice: 'owner', bob: 'member', carol: 'admin' } as const;
    expect(decide(facts({}, members), { ...base, type: 'leave' })).toMatchObject({
      ok: true,
      effects: [{ type: 'removeMember', userId: 'alice' }, { type: 'setRole', userId: 'carol', role: 'owner' }, { type: 'append' }],
    });
  });

  it('gives a status to context conversations only', () => {
    const close: Command = { ...base, type: 'setStatus', status: 'closed' };
    expect(decide(facts(), close)).toMatchObject({ ok: false, code: 'NOT_ALLOWED' });
    const f = facts();
    f.conversation = { ...f.conversation!, type: 'context' };
    expect(decide(f, close)).toMatchObject({ ok: true, effects: [{ type: 'conversation', status: 'closed' }, {}] });
  });

  it('refuses editing or recalling a system or call message, even by the member it names as sender (issue 11)', () => {
    for (const kind of ['system', 'call']) {
      const f = facts({ target: message({ kind }) });
      expect(decide(f, { ...base, type: 'edit', messageId: 'm-00000001', text: 'forged' })).toMatchObject({ ok: false, code: 'NOT_ALLOWED' });
      expect(decide(f, { ...base, type: 'recall', messageId: 'm-00000001' })).toMatchObject({ ok: false, code: 'NOT_ALLOWED' });
    }
  });

  it('refuses setStatus active once a context conversation is past its expiry; closing it still works', () => {
    const f = facts();
    f.conversation = { ...f.conversation!, type: 'context', status: 'expired', expiresAt: NOW - 1 };
    expect(decide(f, { ...base, type: 'setStatus', status: 'active' })).toMatchObject({ ok: false, code: 'CONVERSATION_CLOSED' });
    expect(decide(f, { ...base, type: 'setStatus', status: 'closed' })).toMatchObject({ ok: true, effects: [{ type: 'conversation', status: 'closed' }, {}] });
    // Expired by a status change, with no time set: active really reactivates it.
    f.conversation = { ...f.conversation, expiresAt: null };
    expect(decide(f, { ...base, type: 'setStatus', status: 'active' })).toMatchObject({ ok: true, effects: [{ type: 'conversation', status: 'active' }, {}] });
  });

  it('keeps reactions named after prototype members as own keys', () => {
    for (const emoji of ['toString', 'hasOwnProperty', '__proto__', 'constructor']) {
      const d = decide(facts({ target: message({ reactions: JSON.parse('{"__proto__":["bob"]}') }) }), { ...base, type: 'react', messageId: 'm-00000001', emoji });
      expect(d.ok).toBe(true);
      const reactions = d.ok && d.effects[0]?.type === 'updateMessage' ? d.effects[0].reactions! : {};
      expect(Object.hasOwn(reactions, emoji)).toBe(true);
      expect(reactions[emoji]).toContain('alice');
      expect(Object.getPrototypeOf(reactions)).toBe(Object.prototype);
      expect(JSON.parse(JSON.stringify(reactions))).toHaveProperty('__proto__');
    }
  });
});
