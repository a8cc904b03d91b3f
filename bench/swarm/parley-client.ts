import { WebSocket } from 'ws';
import * as Y from 'yjs';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import { v7 as uuidv7 } from 'uuid';
import { conversationDocName, conversationParts, userDocName, userParts, type MessageEntry } from '@parley/schema';

/**
 * The least a Parley client does on the wire, for thousands per process: one
 * raw `ws` socket, the Hocuspocus framing (document name, message type) with
 * its token authentication and the y-protocols sync steps, and one Y.Doc per
 * open document. No awareness, no reconnect, no storage: what a full provider
 * adds is measured elsewhere (bench/sdk.ts), not here.
 */

const SYNC = 0;
const AUTH = 2;
const CLOSE = 7;
const PING = 9;
const PONG = 10;
const AUTH_TOKEN = 0;
const AUTH_DENIED = 1;
const AUTH_OK = 2;
/** The provider's protocol version, sent with the token as @hocuspocus/provider does. */
const PROVIDER_VERSION = '4.8.0';

interface OpenDoc {
  doc: Y.Doc;
  synced: boolean;
  waiters: Array<{ resolve: () => void; reject: (e: Error) => void }>;
}

export class LiteParleyClient {
  private socket: WebSocket | null = null;
  private readonly docs = new Map<string, OpenDoc>();
  readonly userDoc = new Y.Doc();
  /** Called with each message id that enters one of this client's conversation copies. */
  onMessage: ((messageId: string, conversationId: string) => void) | null = null;

  constructor(private readonly wsUrl: string, readonly userId: string, private readonly token: string) {}

  /** Opens the socket and the user document; resolves once the user document synced. */
  async connect(timeoutMs = 60_000): Promise<void> {
    const socket = new WebSocket(this.wsUrl);
    socket.binaryType = 'nodebuffer';
    this.socket = socket;
    socket.on('error', () => undefined);
    socket.on('message', (data: Buffer) => this.receive(new Uint8Array(data.buffer, data.byteOffset, data.length)));
    socket.on('close', () => {
      for (const entry of this.docs.values()) for (const w of entry.waiters.splice(0)) w.reject(new Error('socket closed'));
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    await this.open(userDocName(this.userId), this.userDoc, timeoutMs);
  }

  /** Opens conversation:<id> and reports each message inserted into the copy from then on. */
  async openConversation(conversationId: string, timeoutMs = 60_000): Promise<void> {
    const doc = new Y.Doc();
    conversationParts(doc).messages.observe((event) => {
      for (const delta of event.changes.delta) for (const m of (delta.insert ?? []) as MessageEntry[]) this.onMessage?.(m.id, conversationId);
    });
    await this.open(conversationDocName(conversationId), doc, timeoutMs);
  }

  /** Appends a text send to the outbox (sent at once when connected, on sync otherwise); returns the message id. */
  send(conversationId: string, text: string): string {
    const messageId = uuidv7();
    userParts(this.userDoc).outbox.push([{ id: uuidv7(), type: 'send', conversationId, messageId, kind: 'text', text, createdAt: Date.now() }]);
    return messageId;
  }

  close(): void {
    this.socket?.terminate();
    this.socket = null;
    for (const entry of this.docs.values()) entry.doc.destroy();
    this.docs.clear();
  }

  private open(name: string, doc: Y.Doc, timeoutMs: number): Promise<void> {
    const entry: OpenDoc = { doc, synced: false, waiters: [] };
    this.docs.set(name, entry);
    doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin === this) return;
      this.frame(name, SYNC, (e) => syncProtocol.writeUpdate(e, update));
    });
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name} did not sync`)), timeoutMs);
      entry.waiters.push({ resolve: () => (clearTimeout(timer), resolve()), reject: (e) => (clearTimeout(timer), reject(e)) });
    });
    this.frame(name, AUTH, (e) => {
      encoding.writeVarUint(e, AUTH_TOKEN);
      encoding.writeVarString(e, this.token);
      encoding.writeVarString(e, PROVIDER_VERSION);
    });
    return done;
  }

  private frame(name: string, type: number, body: (e: encoding.Encoder) => void): void {
    const e = encoding.createEncoder();
    encoding.writeVarString(e, name);
    encoding.writeVarUint(e, type);
    body(e);
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(encoding.toUint8Array(e));
  }

  private receive(data: Uint8Array): void {
    if (data.length === 1 && data[0] === PING) {
      this.socket?.send(Uint8Array.of(PONG));
      return;
    }
    const d = decoding.createDecoder(data);
    const name = decoding.readVarString(d);
    const entry = this.docs.get(name);
    if (!entry) return;
    const type = decoding.readVarUint(d);
    if (type === AUTH) {
      const kind = decoding.readVarUint(d);
      if (kind === AUTH_OK) this.frame(name, SYNC, (e) => syncProtocol.writeSyncStep1(e, entry.doc));
      else if (kind === AUTH_DENIED) for (const w of entry.waiters.splice(0)) w.reject(new Error(`${name}: ${decoding.readVarString(d)}`));
      return;
    }
    if (type === CLOSE) {
      for (const w of entry.waiters.splice(0)) w.reject(new Error(`${name} closed by the server`));
      return;
    }
    if (type !== SYNC) return;
    const reply = encoding.createEncoder();
    encoding.writeVarString(reply, name);
    encoding.writeVarUint(reply, SYNC);
    const before = encoding.length(reply);
    const kind = syncProtocol.readSyncMessage(d, reply, entry.doc, this);
    if (encoding.length(reply) > before && this.socket?.readyState === WebSocket.OPEN) this.socket.send(encoding.toUint8Array(reply));
    if (kind === syncProtocol.messageYjsSyncStep2 && !entry.synced) {
      entry.synced = true;
      for (const w of entry.waiters.splice(0)) w.resolve();
    }
  }
}
