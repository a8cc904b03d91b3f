import type { Hocuspocus } from '@hocuspocus/server';
import type { Kysely } from 'kysely';
import type { Database } from '@parley/schema/db';
import type { PeerTokenService } from '@parley/schema/tokens';
import {
  CALL_CLIENT_STEPS,
  ParleyError,
  encodeStateless,
  userDocName,
  type CallEndReason,
  type CallOutcome,
  type CallRecord,
  type ErrorCode,
  type StatelessMessage,
  type StatelessOf,
} from '@parley/schema';
import { currentMembers } from '../index/members.ts';
import { RateLimiter } from '../commands/rate-limit.ts';
import type { CallRecorder } from '../commands/executor.ts';
import type { Bus } from '../cluster/bus.ts';
import type { Logger } from '../log.ts';

/**
 * The call flow (docs/protocol.md, K1–K9) over the user documents' stateless
 * channel. The instance that took a call's invite owns it: its state, its
 * timeout and its record. The others know which calls exist and who is in one
 * (the `call-state` topic), forward the steps they receive to the owner
 * (`call-step`), and deliver what the owner says to the users whose documents
 * they hold (`call-user`) or to the one connection a refusal is for (`call-reply`).
 */

type ClientStep = StatelessOf<(typeof CALL_CLIENT_STEPS)[number]>;
type Reply = (payload: string) => void;

interface Call {
  id: string;
  conversationId: string;
  callerId: string;
  calleeId: string;
  video: boolean;
  state: 'ringing' | 'active';
  /** The callee's `callIncoming` while the call rings, for a device that connects meanwhile. */
  ring: string | null;
  ringingSeen: boolean;
  acceptedAt: number | null;
  timer: NodeJS.Timeout | null;
}

interface Known {
  owner: string;
  users: [string, string];
  ring: string | null;
}

interface CallState extends Known {
  callId: string;
  live: boolean;
}

interface Deps {
  db: Kysely<Database>;
  bus: Bus;
  peers: PeerTokenService;
  commands: CallRecorder;
  log: Logger;
  ringTimeoutMs: number;
  inviteBurst: number;
  invitesPerMinute: number;
  now?: () => number;
}

const STEPS: ReadonlySet<string> = new Set(CALL_CLIENT_STEPS);
/** How long an ended call is remembered, so late signalling gets CALL_ENDED rather than NOT_FOUND. */
const ENDED_MEMORY_MS = 10 * 60_000;
const FORWARD_TTL_MS = 10_000;

const OUTCOMES: Record<CallEndReason, CallOutcome> = {
  hangup: 'completed', rejected: 'declined', busy: 'missed', cancelled: 'cancelled', timeout: 'missed', failed: 'failed',
};

class Refusal extends ParleyError {}
const refuse = (code: ErrorCode, message: string): never => {
  throw new Refusal(code, message);
};

export class Calls {
  private instance: Hocuspocus | null = null;
  /** Calls this instance owns. */
  private readonly owned = new Map<string, Call>();
  /** Every live call in the cluster, by id. */
  private readonly known = new Map<string, Known>();
  /** Users in a live call, with its id. */
  private readonly busy = new Map<string, string>();
  private readonly ended = new Map<string, number>();
  /** Steps forwarded to another instance, waiting for a possible refusal. */
  private readonly forwarded = new Map<number, { reply: Reply; at: number }>();
  private nextRef = 1;
  private readonly invites: RateLimiter;
  private readonly now: () => number;
  /** Signalling messages sent to clients, for the measure in docs/bench.md. */
  sent = 0;

  constructor(private readonly deps: Deps) {
    this.now = deps.now ?? Date.now;
    this.invites = new RateLimiter(deps.invitesPerMinute / 60, deps.inviteBurst, this.now);
    const { bus } = deps;
    bus.subscribe('call-state', (m: CallState) => this.learn(m));
    bus.subscribe('call-user', ({ userId, payload }: { userId: string; payload: string }) => {
      this.instance?.documents.get(userDocName(userId))?.broadcastStateless(payload);
    });
    bus.subscribe('call-step', (m: { owner: string; userId: string; step: ClientStep; ref: number }, from) => {
      if (m.owner !== bus.instance) return;
      void this.onOwner(m.userId, m.step, (payload) => bus.publish('call-reply', { to: from, ref: m.ref, payload }));
    });
    bus.subscribe('call-reply', ({ to, ref, payload }: { to: string; ref: number; payload: string }) => {
      if (to === bus.instance) this.forwarded.get(ref)?.reply(payload);
    });
    // A newcomer asks which calls are live, so its busy list is right from the start.
    bus.subscribe('call-hello', (_p, from) => {
      if (from === bus.instance) return;
      for (const call of this.owned.values()) this.announce(call, true);
    });
    bus.publish('call-hello', {});
  }

  attach(instance: Hocuspocus) {
    this.instance = instance;
  }

  /** Whether a stateless message is a call step a client may send. */
  handles(message: StatelessMessage | null): message is ClientStep {
    return message !== null && STEPS.has(message.type);
  }

  /** One step from `userId`'s connection; refusals go back to that connection only (`reply`). */
  async step(userId: string, step: ClientStep, reply: Reply): Promise<void> {
    try {
      if (step.type === 'callInvite') return await this.invite(userId, step);
      const known = this.known.get(step.callId);
      if (!known) return this.refused(reply, step, this.ended.has(step.callId) ? 'CALL_ENDED' : 'NOT_FOUND', 'no such call');
      if (known.owner === this.deps.bus.instance) return await this.onOwner(userId, step, reply);
      this.prune();
      const ref = this.nextRef++;
      this.forwarded.set(ref, { reply, at: this.now() });
      this.deps.bus.publish('call-step', { owner: known.owner, userId, step, ref });
    } catch (error) {
      this.fail(reply, step, error);
    }
  }

  /**
   * Rule K2: a device of the callee that connects while a call rings, here or
   * on a peer, rings too (the invite went out before it was there).
   */
  connected(userId: string, reply: Reply) {
    const call = this.known.get(this.busy.get(userId) ?? '');
    if (call?.ring == null || call.users[1] !== userId) return;
    this.sent++;
    reply(call.ring);
  }

  /** Shutdown: calls still ringing end as missed and active ones as failed, each with its record. */
  async close() {
    await Promise.allSettled([...this.owned.values()].map((call) => this.end(call, call.state === 'active' ? 'failed' : 'timeout')));
  }

  private async onOwner(userId: string, step: ClientStep, reply: Reply) {
    try {
      const call = this.owned.get(step.callId);
      if (!call) return this.refused(reply, step, this.ended.has(step.callId) ? 'CALL_ENDED' : 'NOT_FOUND', 'no such call');
      await this.advance(call, userId, step);
    } catch (error) {
      this.fail(reply, step, error);
    }
  }

  private async invite(userId: string, step: StatelessOf<'callInvite'>) {
    // Rule K9: a flood of invites is refused before anything is looked up.
    if (!this.invites.take(userId)) refuse('RATE_LIMITED', 'too many call invites; wait a little');
    if (this.known.has(step.callId) || this.ended.has(step.callId)) refuse('DUPLICATE', 'that call id is taken');
    if (step.calleeId === userId) refuse('VALIDATION_FAILED', 'you cannot call yourself');
    const peer = await this.peerOf(userId, step.peerToken);
    const conversation = await this.deps.db.selectFrom('conversations').select(['type', 'status']).where('id', '=', step.conversationId).executeTakeFirst();
    if (!conversation) refuse('NOT_FOUND', 'no such conversation');
    const members = (await currentMembers(this.deps.db, step.conversationId).select('mb.user_id').execute()).map((m) => m.user_id);
    if (!members.includes(userId)) refuse('NOT_A_MEMBER', 'you are not a member of this conversation');
    if (conversation!.type !== 'direct') refuse('NOT_ALLOWED', 'calls are one-to-one, in direct conversations');
    if (conversation!.status !== 'active') refuse('CONVERSATION_CLOSED', `the conversation is ${conversation!.status}`);
    if (!members.includes(step.calleeId)) refuse('NOT_A_MEMBER', 'the callee is not a member of this conversation');
    if (this.busy.has(userId)) refuse('CONFLICT', 'you are already in a call');

    const call: Call = {
      id: step.callId, conversationId: step.conversationId, callerId: userId, calleeId: step.calleeId, video: step.video,
      state: 'ringing', ring: null, ringingSeen: false, acceptedAt: null, timer: null,
    };
    // Rule K3: the callee already in a call is not rung; the caller hears busy.
    const calleeBusy = this.busy.has(step.calleeId);
    const incoming = encodeStateless({ type: 'callIncoming', callId: call.id, conversationId: call.conversationId, callerId: userId, video: call.video, peerId: peer });
    if (!calleeBusy) call.ring = incoming;
    this.owned.set(call.id, call);
    this.announce(call, true);
    if (calleeBusy) return this.end(call, 'busy');
    call.timer = setTimeout(() => void this.end(call, 'timeout').catch((error: unknown) => this.deps.log.error({ err: error }, 'call timeout failed')), this.deps.ringTimeoutMs);
    call.timer.unref();
    // Rule K2: every device of the callee rings.
    this.toUser(call.calleeId, incoming);
  }

  private async advance(call: Call, userId: string, step: ClientStep) {
    const party = userId === call.callerId ? 'caller' : userId === call.calleeId ? 'callee' : null;
    if (!party) refuse('FORBIDDEN', 'that is someone else\'s call');
    const ringing = call.state === 'ringing';
    switch (step.type) {
      case 'callRinging':
        if (party !== 'callee') refuse('FORBIDDEN', 'only the callee rings');
        if (ringing && !call.ringingSeen) {
          call.ringingSeen = true;
          this.toUser(call.callerId, { type: 'callRinging', callId: call.id });
        }
        return;
      case 'callAccept': {
        if (party !== 'callee') refuse('FORBIDDEN', 'only the callee accepts');
        if (!ringing) refuse('CONFLICT', 'the call was already answered');
        const peerId = await this.peerOf(userId, step.peerToken);
        // A second accept may have raced this one while the token was checked.
        if (call.state !== 'ringing' || !this.owned.has(call.id)) refuse('CONFLICT', 'the call was already answered');
        call.state = 'active';
        call.ring = null;
        call.acceptedAt = this.now();
        if (call.timer) clearTimeout(call.timer);
        this.announce(call, true);
        // Rule K4: the caller learns whom to dial; the callee's other devices stop ringing (their peer id is not this one).
        const accepted = { type: 'callAccepted' as const, callId: call.id, peerId };
        this.toUser(call.callerId, accepted);
        this.toUser(call.calleeId, accepted);
        return;
      }
      case 'callReject':
      case 'callBusy':
        if (party !== 'callee') refuse('FORBIDDEN', 'only the callee declines');
        if (!ringing) refuse('CONFLICT', 'the call was already answered; hang up instead');
        return this.end(call, step.type === 'callReject' ? 'rejected' : 'busy');
      case 'callCancel':
        if (party !== 'caller') refuse('FORBIDDEN', 'only the caller cancels');
        if (!ringing) refuse('CONFLICT', 'the call was already answered; hang up instead');
        return this.end(call, 'cancelled');
      case 'callHangup':
        // Hanging up before an answer is the caller cancelling or the callee declining.
        if (ringing) return this.end(call, party === 'caller' ? 'cancelled' : 'rejected');
        return this.end(call, step.failed ? 'failed' : 'hangup');
      case 'callMedia':
        if (ringing) refuse('CONFLICT', 'the call is not answered yet');
        this.toUser(party === 'caller' ? call.calleeId : call.callerId, { type: 'callMedia', callId: call.id, muted: step.muted, cameraOff: step.cameraOff });
        return;
      case 'callInvite':
        return;
    }
  }

  /** Rule K8: one `call` message per call, written by its owner once it is out of every table. */
  private async end(call: Call, reason: CallEndReason) {
    if (this.owned.get(call.id) !== call) return;
    this.owned.delete(call.id);
    if (call.timer) clearTimeout(call.timer);
    this.announce(call, false);
    const outcome = OUTCOMES[reason];
    const durationMs = call.acceptedAt !== null ? this.now() - call.acceptedAt : undefined;
    const ended = { type: 'callEnded' as const, callId: call.id, reason, outcome, ...(durationMs !== undefined ? { durationMs } : {}) };
    this.toUser(call.callerId, ended);
    this.toUser(call.calleeId, ended);
    const record: CallRecord = { callId: call.id, video: call.video, outcome, callerId: call.callerId, ...(outcome === 'completed' || outcome === 'failed' ? { durationMs } : {}) };
    if (record.durationMs === undefined) delete record.durationMs;
    try {
      await this.deps.commands.recordCall(call.conversationId, record);
    } catch (error) {
      this.deps.log.error({ err: error, callId: call.id }, 'could not write the call record');
    }
    this.deps.log.debug({ callId: call.id, reason }, 'call ended');
  }

  private announce(call: Call, live: boolean) {
    const state: CallState = { callId: call.id, owner: this.deps.bus.instance, users: [call.callerId, call.calleeId], ring: live ? call.ring : null, live };
    this.deps.bus.publish('call-state', state);
  }

  private learn({ callId, owner, users, ring, live }: CallState) {
    if (live) {
      const known = this.known.get(callId);
      // A live call announced again has been answered: it rings no more.
      if (known) return void (known.ring = ring);
      this.known.set(callId, { owner, users, ring });
      // Only a call that rings its callee makes them busy; a busy invite is ended at once.
      for (const user of users) if (!this.busy.has(user)) this.busy.set(user, callId);
      return;
    }
    this.known.delete(callId);
    for (const user of users) if (this.busy.get(user) === callId) this.busy.delete(user);
    this.ended.set(callId, this.now());
    this.prune();
  }

  private toUser(userId: string, message: StatelessMessage | string) {
    this.sent++;
    this.deps.bus.publish('call-user', { userId, payload: typeof message === 'string' ? message : encodeStateless(message) });
  }

  /** The peer id a peer token names, if it is this user's. */
  private async peerOf(userId: string, token: string): Promise<string> {
    const peer = await this.deps.peers.verify(token).catch((error: unknown) => refuse(error instanceof ParleyError ? error.code : 'AUTH_FAILED', 'invalid peer token'));
    if (peer.userId !== userId) refuse('FORBIDDEN', 'that peer token is someone else\'s');
    return peer.peerId;
  }

  private refused(reply: Reply, step: ClientStep, code: ErrorCode, message: string) {
    this.sent++;
    reply(encodeStateless({ type: 'callRefused', callId: step.callId, step: step.type, code, message }));
  }

  private fail(reply: Reply, step: ClientStep, error: unknown) {
    if (error instanceof ParleyError) return this.refused(reply, step, error.code, error.message);
    this.deps.log.error({ err: error, step: step.type }, 'call step failed');
    this.refused(reply, step, 'INTERNAL', 'internal error');
  }

  private prune() {
    const now = this.now();
    for (const [id, at] of this.ended) if (now - at > ENDED_MEMORY_MS) this.ended.delete(id);
    for (const [ref, f] of this.forwarded) if (now - f.at > FORWARD_TTL_MS) this.forwarded.delete(ref);
  }
}
