import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { v7 as uuidv7 } from 'uuid';
import type { Store } from '@parley/schema/db';
import type { AuthResponse, Command, CommandResult } from '@parley/schema';
import { loadConfig, type SyncConfig } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';
import { createTokenService } from '../../src/auth/tokens.ts';
import { createApiHandler } from '../../src/http/api.ts';
import { appendMessage } from '../../src/index/messages.ts';
import type { Services } from '../../src/services.ts';

/**
 * The REST API on a real node:http server and a real index, for the read side
 * and accounts. The command executor, inbox and presence are doubles here:
 * the endpoints under test in these suites read the index only, and the
 * doubles record what they were asked. Conversation writes are tested against
 * the full server (mutations.test.ts).
 */
export const SECRET = 'api-test-secret-api-test-secret';

export interface ApiServer {
  url: string;
  services: Services;
  online: Set<string>;
  refreshed: Array<{ conversationId: string; userIds: string[] }>;
  executed: Array<{ actorId: string; command: Command }>;
  stop(): Promise<void>;
}

export async function startApi(store: Store, dataDir: string, config: Partial<SyncConfig> = {}): Promise<ApiServer> {
  const online = new Set<string>();
  const refreshed: ApiServer['refreshed'] = [];
  const executed: ApiServer['executed'] = [];
  const services: Services = {
    config: loadConfig({ JWT_SECRET: SECRET }, { dataDir, registrationsPerHour: 100_000, ...config }),
    store,
    log: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
    tokens: createTokenService(SECRET, 3600),
    // No sockets here: a logout has nothing to end.
    sessions: { revoke: () => undefined },
    commands: {
      async execute(actorId, command): Promise<CommandResult> {
        executed.push({ actorId, command });
        return { id: command.id, status: 'failed', code: 'NOT_ALLOWED', message: 'the test double refuses every command', at: Date.now() };
      },
      admit: () => 0,
    },
    inbox: {
      async refresh(conversationId, userIds) {
        refreshed.push({ conversationId, userIds });
      },
    },
    presence: { isOnline: (userId) => online.has(userId), introduce: () => undefined },
  };
  const handler = createApiHandler(services);
  const server = http.createServer((req, res) => {
    void handler(req, res).then((handled) => {
      if (!handled) res.writeHead(418).end('not api');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    services,
    online,
    refreshed,
    executed,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface Answer<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/** One REST call; `raw` sends a string body as is. */
export async function call<T = any>(
  url: string,
  method: string,
  path: string,
  init: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {},
): Promise<Answer<T>> {
  const body = init.raw ?? (init.body === undefined ? undefined : JSON.stringify(init.body));
  const res = await fetch(`${url}/api${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      ...init.headers,
    },
    body,
  });
  const text = await res.text();
  let parsed: unknown = null;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  return { status: res.status, body: parsed as T, headers: res.headers };
}

let seed = 0;
/** A fresh, unique username (3–32 of a–z0–9_.-). */
export function uniqueName(prefix = 'u'): string {
  return `${prefix}_${Date.now().toString(36)}${(seed++).toString(36)}`.slice(0, 32);
}

export const PASSWORD = 'correct horse battery';

export async function signUp(url: string, prefix = 'u', displayName?: string): Promise<AuthResponse> {
  const answer = await call<AuthResponse>(url, 'POST', '/auth/register', {
    body: { username: uniqueName(prefix), password: PASSWORD, ...(displayName ? { displayName } : {}) },
  });
  if (answer.status !== 201) throw new Error(`register: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

/** Writes messages straight into the index, as the executor would (seq from the database). */
export async function seedMessages(
  store: Store,
  conversationId: string,
  senderId: string,
  texts: string[],
  options: { recalled?: boolean; createdAt?: number } = {},
): Promise<Array<{ id: string; seq: number }>> {
  const written: Array<{ id: string; seq: number }> = [];
  await store.db.transaction().execute(async (trx) => {
    for (const [i, text] of texts.entries()) {
      const id = uuidv7();
      const seq = await appendMessage(trx, {
        conversation_id: conversationId,
        id,
        sender_id: senderId,
        kind: 'text',
        text,
        media: null,
        reply_to: null,
        system: null,
        created_at: (options.createdAt ?? Date.now()) + i,
      });
      if (options.recalled) await trx.updateTable('messages').set({ recalled_at: Date.now() }).where('id', '=', id).execute();
      written.push({ id, seq });
    }
  });
  return written;
}
