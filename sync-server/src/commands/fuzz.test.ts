import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { COMMAND_TYPES, ERROR_CODES, commandSchema, isErrorCode, parseCommand, type Role } from '@parley/schema';
import { decide, type Facts } from './decide.ts';

/**
 * Fuzzing the pure core (issue 11): random and mutated outbox entries through
 * parseCommand and decide. Invariants: no throw, every refusal has a known
 * code, a refusal carries no effects (nothing partial), an accepted entry is a
 * valid command. Bounded in time so `npm test` stays fast.
 */
const RUNS = { numRuns: 400, interruptAfterTimeLimit: 4000 } as const;
const NOW = 1_700_000_000_000;

const ids = fc.constantFrom('cmd-00000001', 'msg-00000001', 'msg-00000002', 'c1', 'alice', 'bob', 'carol');
const anything = fc.anything({ withBigInt: true, withTypedArray: true, withNullPrototype: true, withObjectString: true, withMap: true, withSet: true, withDate: true, maxDepth: 6 });
const validish = fc.record({
  id: ids,
  type: fc.constantFrom(...COMMAND_TYPES),
  conversationId: fc.constant('c1'),
  createdAt: fc.nat(),
  messageId: ids,
  kind: fc.constantFrom('text', 'image', 'video', 'file', 'system'),
  text: fc.string({ maxLength: 20 }),
  emoji: fc.constantFrom('👍', 'toString', '__proto__', 'constructor', 'valueOf', '❤️'),
  seq: fc.integer({ min: -1, max: 20 }),
  title: fc.string({ maxLength: 10 }),
  avatarUrl: fc.constantFrom(null, '/files/abc', 'javascript:alert(1)', 'https://example.org/a.png'),
  userIds: fc.array(ids, { maxLength: 3 }),
  userId: ids,
  role: fc.constantFrom('admin', 'member', 'owner'),
  status: fc.constantFrom('active', 'expired', 'closed'),
}, { requiredKeys: ['id', 'type', 'conversationId', 'createdAt'] });

/** A valid-looking entry with one field replaced by anything at all (or a field added). */
const mutated = fc.tuple(validish, fc.constantFrom('id', 'type', 'messageId', 'text', 'emoji', 'seq', 'userIds', 'media', '__proto__', 'extra'), anything)
  .map(([entry, key, value]) => {
    const copy: Record<string, unknown> = { ...entry };
    Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true });
    return copy;
  });

const facts = fc.record({
  type: fc.constantFrom('direct', 'group', 'context'),
  status: fc.constantFrom('active', 'expired', 'closed'),
  expiresAt: fc.constantFrom(null, NOW - 1, NOW + 1000),
  role: fc.constantFrom<Role | undefined>('owner', 'admin', 'member', undefined),
  target: fc.option(fc.record({
    senderId: fc.constantFrom('alice', 'bob'),
    kind: fc.constantFrom('text', 'system', 'call'),
    recalledAt: fc.constantFrom(null, NOW - 10),
    reactions: fc.dictionary(fc.constantFrom('👍', 'toString', '__proto__', 'constructor'), fc.array(ids, { maxLength: 3 }), { maxKeys: 4 }),
  })),
}).map((f): Facts => ({
  now: NOW,
  actorId: 'alice',
  conversation: { id: 'c1', type: f.type, status: f.status, expiresAt: f.expiresAt, title: 'T', avatarUrl: null, lastSeq: 10 },
  members: new Map<string, Role>([...(f.role ? [['alice', f.role] as const] : []), ['bob', 'member'] as const]),
  memberCount: f.role ? 2 : 1,
  target: f.target ? { id: 'msg-00000001', conversationId: 'c1', seq: 3, createdAt: NOW - 1000, text: 'hi', ...f.target } : null,
  knownUsers: new Set(['alice', 'bob', 'carol']),
  systemMessageId: 'sys-00000001',
}));

describe('fuzz: parseCommand and decide (rules O8, O6)', () => {
  it('parseCommand never throws on anything, and refuses with a known code', () => {
    fc.assert(fc.property(fc.oneof(anything, mutated), (raw) => {
      const parsed = parseCommand(raw);
      if (!parsed.ok) expect(isErrorCode(parsed.error.code)).toBe(true);
      else expect(commandSchema.safeParse(parsed.value).success).toBe(true);
    }), RUNS);
  });

  it('decide never throws on what parseCommand accepts; refusals are coded and carry no effects', () => {
    fc.assert(fc.property(fc.oneof(validish, mutated), facts, (raw, f) => {
      const parsed = parseCommand(raw);
      if (!parsed.ok) return;
      const decision = decide(f, parsed.value);
      if (decision.ok) {
        for (const effect of decision.effects) {
          if (effect.type === 'updateMessage' && effect.reactions) {
            expect(Object.getPrototypeOf(effect.reactions)).toBe(Object.prototype);
            for (const users of Object.values(effect.reactions)) expect(Array.isArray(users)).toBe(true);
          }
        }
      } else {
        expect(Object.hasOwn(ERROR_CODES, decision.code)).toBe(true);
        expect(decision).not.toHaveProperty('effects');
      }
    }), RUNS);
  });
});
