import type * as Y from 'yjs';
import { LIMITS, commandIdOf, parseCommand, storedResult, userParts, type CommandResult } from '@parley/schema';
import type { CommandExecutor } from '../services.ts';
import type { Logger } from '../log.ts';
import { SERVER_ORIGIN } from '../documents/hub.ts';
import { writeAs, writeSoon } from '../documents/writers.ts';

const RETRY_MS = 1000;
/** Overflow refusals written per transaction: each batch is one update and stays well inside `results` (rule O3). */
const REFUSAL_BATCH = 100;
/** Commands of one user handed to the executor together (rule O12); their answers are one document update. */
const RUN_MAX = 50;

/**
 * Drains the outbox of each loaded user document (rules O1–O3): every command
 * is executed as the document's owner, its result appended to `results`, and
 * the command removed, in one transaction. A command whose execution failed for
 * an infrastructure reason (the database is down) stays and is retried.
 *
 * Rule O10: the drain is paced by the user's command rate. Past it, the next
 * command waits in the outbox for its token (one timer per user, unref'd), so
 * a backlog is handled in order at the rate, never refused for its size; only
 * entries past `maxPending` are answered OUTBOX_FULL.
 */
interface DrainState {
  running: Promise<void> | null;
  again: boolean;
  closed: boolean;
  retry: NodeJS.Timeout | null;
  /** Waiting for the user's next command token. */
  pace: NodeJS.Timeout | null;
  logged: () => Promise<void>;
}

export class OutboxProcessor {
  private readonly states = new Map<Y.Doc, DrainState>();
  private stopped = false;

  constructor(
    private readonly executor: CommandExecutor,
    private readonly log: Logger,
    private readonly maxPending: number = LIMITS.outboxMaxPending,
  ) {}

  /**
   * `logged` resolves once the document's changes so far are in the update log
   * (rule P4): the next command waits for it, so what a client was answered
   * survives a kill -9.
   */
  watch(doc: Y.Doc, userId: string, logged: () => Promise<void> = async () => undefined): () => void {
    const state: DrainState = { running: null, again: false, closed: false, retry: null, pace: null, logged };
    this.states.set(doc, state);
    const { outbox, results } = userParts(doc);
    const onChange = () => void this.drain(doc, userId);
    // Rule O4 across copies: results that arrive from another copy are checked for ids answered twice.
    const onResults = (event: Y.YArrayEvent<CommandResult>, transaction: Y.Transaction) => {
      if (transaction.origin !== SERVER_ORIGIN && event.changes.added.size > 0) dropRepeatedResults(doc);
    };
    outbox.observe(onChange);
    results.observe(onResults);
    onChange();
    dropRepeatedResults(doc);
    return () => {
      state.closed = true;
      clearTimers(state);
      outbox.unobserve(onChange);
      results.unobserve(onResults);
      this.states.delete(doc);
    };
  }

  /**
   * Shutdown: no command starts from now on; resolves once the commands in
   * flight have been answered. What is still in an outbox (a paced backlog
   * included) stays there for the next start (the clients hold it too).
   */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.states.values()].map((state) => {
      clearTimers(state);
      return state.running;
    }));
  }

  /** Resolves once the outbox was empty, or waiting for the user's rate, at some point after the call (for shutdown and tests). */
  async drain(doc: Y.Doc, userId: string): Promise<void> {
    const state = this.states.get(doc);
    if (!state || state.closed || this.stopped) return;
    if (state.running) {
      state.again = true;
      return;
    }
    const run = this.run(doc, userId, state);
    state.running = run;
    await run;
  }

  private async run(doc: Y.Doc, userId: string, state: DrainState): Promise<void> {
    try {
      do {
        state.again = false;
        await this.drainOnce(doc, userId, state);
      } while (state.again && !state.closed && !this.stopped);
    } catch (error) {
      this.log.error({ err: error, userId }, 'outbox processing failed; retrying');
      if (!state.closed && !this.stopped && !state.retry) {
        state.retry = setTimeout(() => {
          state.retry = null;
          void this.drain(doc, userId);
        }, RETRY_MS);
        state.retry.unref();
      }
    } finally {
      state.running = null;
    }
  }

  private async drainOnce(doc: Y.Doc, userId: string, state: DrainState) {
    const { outbox } = userParts(doc);
    while (outbox.length > 0 && !state.closed && !this.stopped) {
      if (outbox.length > this.maxPending) {
        this.refuseOverflow(doc, userId);
        continue;
      }
      // Rule O10: one token per entry, malformed ones included, so the work per user stays bounded by the rate.
      const run: unknown[] = [];
      for (const raw of outbox.slice(0, RUN_MAX)) {
        const wait = this.executor.admit(userId);
        if (wait > 0) {
          if (run.length === 0) {
            state.pace ??= setTimeout(() => {
              state.pace = null;
              void this.drain(doc, userId);
            }, wait).unref();
            return;
          }
          break;
        }
        run.push(raw);
      }
      // Rule O12: the run goes to the executor at once, in outbox order (O11), so it joins one group commit.
      const settled = await Promise.allSettled(run.map((raw) => this.handle(userId, raw)));
      const done = settled.flatMap((s, i) => (s.status === 'fulfilled' ? [[run[i], s.value] as const] : []));
      // Rule O12: the run's outbox removals and results are one update of the user
      // document; rule O16: the same update as the sender's inbox entry.
      await writeSoon(doc, SERVER_ORIGIN, () => {
        const known = answeredIds(doc);
        const added: CommandResult[] = [];
        for (const [raw, result] of done) {
          removeEntry(outbox, raw);
          // Rule O4: a command id already answered (a copy of the outbox that outlived its answer) gets no second result.
          if (result && !known.has(result.id)) {
            known.add(result.id);
            added.push(result);
          }
        }
        appendResults(doc, added);
      });
      await state.logged();
      // Rule O9: a command that failed for the server's own reason stays in the outbox and is retried.
      const failure = settled.find((s) => s.status === 'rejected');
      if (failure) throw failure.reason;
      // better-sqlite3 answers synchronously, so without this a backlog drains in one
      // event-loop turn: nobody else is served meanwhile, and Hocuspocus merges the
      // whole burst into one broadcast in which trimmed messages never appear.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** One outbox entry's result; null for an entry without a usable id (dropped unanswered). */
  private async handle(userId: string, raw: unknown): Promise<CommandResult | null> {
    const parsed = parseCommand(raw);
    if (parsed.ok) return this.executor.execute(userId, parsed.value, { admitted: true });
    const id = commandIdOf(raw);
    const conversationId = (raw as { conversationId?: unknown } | null)?.conversationId;
    this.log.info({ userId, code: parsed.error.code }, 'refused a malformed command');
    return id
      ? { id, status: 'failed', ...parsed.error, at: Date.now(), ...(typeof conversationId === 'string' ? { conversationId } : {}) }
      : null;
  }

  /**
   * Rule O10: entries at positions past `maxPending` (the newest: clients append)
   * are answered OUTBOX_FULL and removed, a batch at a time; the ones before them keep waiting.
   */
  private refuseOverflow(doc: Y.Doc, userId: string) {
    const { outbox } = userParts(doc);
    const count = Math.min(outbox.length - this.maxPending, REFUSAL_BATCH);
    const refused = outbox.slice(this.maxPending, this.maxPending + count);
    const at = Date.now();
    const results: CommandResult[] = [];
    for (const raw of refused) {
      const id = commandIdOf(raw);
      if (!id) continue;
      const conversationId = (raw as { conversationId?: unknown } | null)?.conversationId;
      results.push({
        id, status: 'failed', code: 'OUTBOX_FULL', message: `more than ${this.maxPending} commands are waiting; send again once they are handled`, at,
        ...(typeof conversationId === 'string' ? { conversationId } : {}),
      });
    }
    doc.transact(() => {
      outbox.delete(this.maxPending, count);
      const known = answeredIds(doc);
      appendResults(doc, results.filter((r) => !known.has(r.id)));
    }, SERVER_ORIGIN);
    this.log.info({ userId, refused: count }, 'outbox over its cap');
  }
}

function clearTimers(state: DrainState) {
  if (state.retry) clearTimeout(state.retry);
  if (state.pace) clearTimeout(state.pace);
  state.retry = null;
  state.pace = null;
}

function removeEntry(outbox: Y.Array<any>, raw: unknown) {
  // The handled entry is the first one unless another device inserted before it meanwhile;
  // checking that first keeps a long drain linear (toArray per command would make it quadratic).
  if (outbox.length > 0 && outbox.get(0) === raw) {
    outbox.delete(0, 1);
    return;
  }
  // By identity (the entry object), then by id.
  const items = outbox.toArray();
  let index = items.indexOf(raw);
  if (index === -1) {
    const id = commandIdOf(raw);
    if (id) index = items.findIndex((item) => commandIdOf(item) === id);
  }
  if (index !== -1) outbox.delete(index, 1);
}

/** The command ids `results` answers (at most LIMITS.resultsKept + a trim batch). */
function answeredIds(doc: Y.Doc): Set<string> {
  return new Set(userParts(doc).results.toArray().map((r) => r.id));
}

/**
 * Rule O4: one result per command id, even when two copies of the document
 * each answered it (a copy that outlived a kill -9 and answered again before
 * the client's copy, with the first answer, merged in; or two instances that
 * both held the document). Every copy keeps the first entry of an id and
 * deletes the others; Yjs orders the entries alike in every copy, so they
 * all delete the same ones, and the first is never deleted.
 */
export function dropRepeatedResults(doc: Y.Doc): void {
  const { results } = userParts(doc);
  const seen = new Set<string>();
  const repeated: number[] = [];
  results.toArray().forEach((r, index) => {
    const id = (r as { id?: unknown } | null)?.id;
    if (typeof id !== 'string') return;
    if (seen.has(id)) repeated.push(index);
    seen.add(id);
  });
  if (!repeated.length) return;
  doc.transact(() => writeAs(doc, 'results', () => {
    for (const index of repeated.reverse()) results.delete(index, 1);
  }), SERVER_ORIGIN);
}

function appendResults(doc: Y.Doc, added: CommandResult[]) {
  if (!added.length) return;
  const { results } = userParts(doc);
  writeAs(doc, 'results', () => {
    results.push(added.map(storedResult));
    // Rule O3: the last LIMITS.resultsKept results stay; older ones go in batches.
    const excess = results.length - LIMITS.resultsKept;
    if (excess >= LIMITS.resultsTrimBatch) results.delete(0, excess);
  });
}
