import type { StatelessMessage } from '@parley/schema';

/**
 * Who is online, as the server reports it on the user document (docs/protocol.md
 * R1): a snapshot replaces the set, a single update toggles one user. Emits a
 * change only for a user whose status really changed (rule SDK-P1).
 */
export class Presence {
  private readonly online = new Set<string>();

  constructor(private readonly changed: (userId: string, online: boolean) => void) {}

  has(userId: string): boolean {
    return this.online.has(userId);
  }

  list(): string[] {
    return [...this.online];
  }

  /** The live set, for the conversation list join. */
  get set(): ReadonlySet<string> {
    return this.online;
  }

  /** Applies a presence message; true if anyone's status changed. */
  apply(msg: StatelessMessage): boolean {
    if (msg.type === 'presence') {
      if (msg.online === this.online.has(msg.userId)) return false;
      if (msg.online) this.online.add(msg.userId);
      else this.online.delete(msg.userId);
      this.changed(msg.userId, msg.online);
      return true;
    }
    if (msg.type === 'presenceSnapshot') {
      const next = new Set(msg.online);
      const gone = [...this.online].filter((id) => !next.has(id));
      const came = [...next].filter((id) => !this.online.has(id));
      this.online.clear();
      for (const id of next) this.online.add(id);
      for (const id of gone) this.changed(id, false);
      for (const id of came) this.changed(id, true);
      return gone.length + came.length > 0;
    }
    return false;
  }
}
