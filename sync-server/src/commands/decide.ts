import { LIMITS, type Command, type ConversationStatus, type ConversationType, type ErrorCode, type Media, type Role, type SystemEvent } from '@parley/schema';

/**
 * The pure core of every write (docs/protocol.md, O6): from the facts the
 * executor loaded and one command, the changes to make or the reason to refuse.
 * No I/O and no clock: `facts.now` is the time.
 */

export interface MessageFacts {
  id: string;
  conversationId: string;
  senderId: string;
  kind: string;
  seq: number;
  createdAt: number;
  recalledAt: number | null;
  reactions: Record<string, string[]>;
  text: string;
}

export interface Facts {
  now: number;
  actorId: string;
  conversation: {
    id: string;
    type: ConversationType;
    /** The effective status: an active conversation past `expiresAt` is expired. */
    status: ConversationStatus;
    expiresAt: number | null;
    title: string | null;
    avatarUrl: string | null;
    lastSeq: number;
  } | null;
  /** Current memberships (left members are absent) of the actor and of users the command names. */
  members: Map<string, Role>;
  memberCount: number;
  /** The message the command targets (edit, recall, react, unreact) or replies to (send). */
  target: MessageFacts | null;
  /** Users the command names that exist. */
  knownUsers: Set<string>;
  /** The id a system message written by this command takes. */
  systemMessageId: string;
}

export type Effect =
  | {
      type: 'append';
      id: string;
      senderId: string;
      kind: string;
      text: string;
      media: Media | null;
      replyTo: string | null;
      system: SystemEvent | null;
    }
  | { type: 'updateMessage'; id: string; text?: string; editedAt?: number; recalledAt?: number; reactions?: Record<string, string[]> }
  | { type: 'read'; userId: string; seq: number }
  | { type: 'conversation'; title?: string; avatarUrl?: string | null; status?: ConversationStatus }
  | { type: 'addMembers'; userIds: string[] }
  | { type: 'removeMember'; userId: string }
  | { type: 'setRole'; userId: string; role: Role };

export type Decision =
  | { ok: true; effects: Effect[]; seq: number }
  | { ok: false; code: ErrorCode; message: string };

const refuse = (code: ErrorCode, message: string): Decision => ({ ok: false, code, message });
const isAdmin = (role: Role | undefined) => role === 'owner' || role === 'admin';

export function decide(facts: Facts, command: Command): Decision {
  const { conversation } = facts;
  if (!conversation) return refuse('NOT_FOUND', 'no such conversation');
  const role = facts.members.get(facts.actorId);
  if (!role) return refuse('NOT_A_MEMBER', 'you are not a member of this conversation');
  const system = (event: Omit<SystemEvent, 'actorId'>): Effect => ({
    type: 'append', id: facts.systemMessageId, senderId: facts.actorId, kind: 'system', text: '', media: null, replyTo: null,
    system: { ...event, actorId: facts.actorId },
  });

  switch (command.type) {
    case 'send': {
      if (conversation.status !== 'active') return refuse('CONVERSATION_CLOSED', `the conversation is ${conversation.status}`);
      if (command.replyTo && (!facts.target || facts.target.conversationId !== conversation.id)) {
        return refuse('NOT_FOUND', 'the message replied to is not in this conversation');
      }
      return {
        ok: true,
        seq: 0,
        effects: [{
          type: 'append', id: command.messageId, senderId: facts.actorId, kind: command.kind, text: command.text,
          media: command.media ?? null, replyTo: command.replyTo ?? null, system: null,
        }],
      };
    }
    case 'edit':
    case 'recall':
    case 'react':
    case 'unreact': {
      const target = facts.target;
      if (!target || target.conversationId !== conversation.id) return refuse('NOT_FOUND', 'no such message in this conversation');
      if (command.type === 'react' || command.type === 'unreact') return react(facts, command.type, command.emoji, target);
      // A system or call message is the server's words, even when its senderId is the member who caused it.
      if (target.kind === 'system' || target.kind === 'call') return refuse('NOT_ALLOWED', `a ${target.kind} message cannot be ${command.type === 'edit' ? 'edited' : 'recalled'}`);
      const own = target.senderId === facts.actorId;
      const inWindow = facts.now - target.createdAt <= LIMITS.editWindowMs;
      if (command.type === 'edit') {
        if (!own) return refuse('NOT_ALLOWED', 'only the sender may edit a message');
        if (target.recalledAt) return refuse('NOT_ALLOWED', 'a recalled message cannot be edited');
        if (!inWindow) return refuse('EDIT_WINDOW_PASSED', 'messages can be edited for 24 hours');
        if (target.text === command.text) return { ok: true, seq: target.seq, effects: [] };
        return { ok: true, seq: target.seq, effects: [{ type: 'updateMessage', id: target.id, text: command.text, editedAt: facts.now }] };
      }
      const moderator = conversation.type === 'group' && isAdmin(role);
      if (!own && !moderator) return refuse('NOT_ALLOWED', 'only the sender or a group admin may recall a message');
      if (own && !moderator && !inWindow) return refuse('EDIT_WINDOW_PASSED', 'messages can be recalled for 24 hours');
      if (target.recalledAt) return { ok: true, seq: target.seq, effects: [] };
      return { ok: true, seq: target.seq, effects: [{ type: 'updateMessage', id: target.id, recalledAt: facts.now }] };
    }
    case 'read': {
      const seq = Math.min(command.seq, conversation.lastSeq);
      return { ok: true, seq, effects: [{ type: 'read', userId: facts.actorId, seq }] };
    }
    case 'rename':
    case 'setAvatar': {
      if (conversation.type !== 'group') return refuse('NOT_ALLOWED', 'only groups can be renamed or given an avatar');
      if (!isAdmin(role)) return refuse('NOT_ALLOWED', 'only the owner and admins may change group settings');
      if (command.type === 'rename') {
        if (command.title === conversation.title) return { ok: true, seq: conversation.lastSeq, effects: [] };
        return { ok: true, seq: 0, effects: [{ type: 'conversation', title: command.title }, system({ event: 'renamed', title: command.title })] };
      }
      if (command.avatarUrl === conversation.avatarUrl) return { ok: true, seq: conversation.lastSeq, effects: [] };
      return { ok: true, seq: 0, effects: [{ type: 'conversation', avatarUrl: command.avatarUrl }, system({ event: 'avatarChanged' })] };
    }
    case 'addMembers': {
      if (conversation.type !== 'group') return refuse('NOT_ALLOWED', 'members can be added to groups only');
      if (!isAdmin(role)) return refuse('NOT_ALLOWED', 'only the owner and admins may add members');
      const unknown = command.userIds.find((id) => !facts.knownUsers.has(id));
      if (unknown) return refuse('NOT_FOUND', `no user ${unknown}`);
      const added = [...new Set(command.userIds)].filter((id) => !facts.members.has(id));
      if (added.length === 0) return { ok: true, seq: conversation.lastSeq, effects: [] };
      if (facts.memberCount + added.length > LIMITS.groupMaxMembers) {
        return refuse('PAYLOAD_TOO_LARGE', `a group holds at most ${LIMITS.groupMaxMembers} members`);
      }
      return { ok: true, seq: 0, effects: [{ type: 'addMembers', userIds: added }, system({ event: 'membersAdded', userIds: added })] };
    }
    case 'removeMember': {
      if (conversation.type !== 'group') return refuse('NOT_ALLOWED', 'members can be removed from groups only');
      if (command.userId === facts.actorId) return refuse('VALIDATION_FAILED', 'use leave to leave a group');
      const targetRole = facts.members.get(command.userId);
      if (!targetRole) return refuse('NOT_FOUND', 'that user is not a member');
      const allowed = role === 'owner' ? targetRole !== 'owner' : role === 'admin' && targetRole === 'member';
      if (!allowed) return refuse('NOT_ALLOWED', 'the owner removes admins; admins remove members');
      return {
        ok: true, seq: 0,
        effects: [{ type: 'removeMember', userId: command.userId }, system({ event: 'memberRemoved', userIds: [command.userId] })],
      };
    }
    case 'setRole': {
      if (conversation.type !== 'group') return refuse('NOT_ALLOWED', 'roles exist in groups only');
      if (role !== 'owner') return refuse('NOT_ALLOWED', 'only the owner assigns roles');
      const targetRole = facts.members.get(command.userId);
      if (!targetRole) return refuse('NOT_FOUND', 'that user is not a member');
      if (targetRole === 'owner') return refuse('NOT_ALLOWED', 'the owner keeps the owner role');
      if (targetRole === command.role) return { ok: true, seq: conversation.lastSeq, effects: [] };
      return {
        ok: true, seq: 0,
        effects: [{ type: 'setRole', userId: command.userId, role: command.role }, system({ event: 'roleChanged', userIds: [command.userId], role: command.role })],
      };
    }
    case 'leave': {
      if (conversation.type !== 'group') return refuse('NOT_ALLOWED', 'only groups can be left');
      const effects: Effect[] = [{ type: 'removeMember', userId: facts.actorId }];
      if (role === 'owner') {
        // Ownership passes to an admin, else to the longest-standing member (members is in join order).
        const heirs = [...facts.members].filter(([id]) => id !== facts.actorId);
        const heir = heirs.find(([, r]) => r === 'admin') ?? heirs[0];
        if (heir) effects.push({ type: 'setRole', userId: heir[0], role: 'owner' });
      }
      effects.push(system({ event: 'memberLeft', userIds: [facts.actorId] }));
      return { ok: true, seq: 0, effects };
    }
    case 'setStatus': {
      if (conversation.type !== 'context') return refuse('NOT_ALLOWED', 'only context conversations have a status');
      if (conversation.status === command.status) return { ok: true, seq: conversation.lastSeq, effects: [] };
      // Rule O6: expiry is a time the conversation was created with; a status change does not lift it.
      if (command.status === 'active' && conversation.expiresAt !== null && conversation.expiresAt <= facts.now) {
        return refuse('CONVERSATION_CLOSED', 'the conversation has expired; its expiry cannot be lifted');
      }
      return { ok: true, seq: 0, effects: [{ type: 'conversation', status: command.status }, system({ event: 'statusChanged', status: command.status })] };
    }
  }
}

function react(facts: Facts, type: 'react' | 'unreact', emoji: string, target: MessageFacts): Decision {
  if (target.recalledAt) return refuse('NOT_ALLOWED', 'a recalled message takes no reactions');
  // A Map, not an object: an emoji that names a prototype member (`toString`, `__proto__`) is just a key.
  const reactions = new Map(Object.entries(target.reactions).filter(([, users]) => Array.isArray(users)));
  const users = new Set(reactions.get(emoji) ?? []);
  const had = users.has(facts.actorId);
  if (type === 'react' ? had : !had) return { ok: true, seq: target.seq, effects: [] };
  if (type === 'react') {
    if (!reactions.has(emoji) && reactions.size >= LIMITS.reactionKindsMax) {
      return refuse('PAYLOAD_TOO_LARGE', `at most ${LIMITS.reactionKindsMax} different reactions per message`);
    }
    users.add(facts.actorId);
  } else {
    users.delete(facts.actorId);
  }
  if (users.size > 0) reactions.set(emoji, [...users].sort());
  else reactions.delete(emoji);
  // Object.fromEntries defines own properties: no key reaches the prototype.
  return { ok: true, seq: target.seq, effects: [{ type: 'updateMessage', id: target.id, reactions: Object.fromEntries(reactions) }] };
}
