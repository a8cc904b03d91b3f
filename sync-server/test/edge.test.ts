import { expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { userParts } from '@parley/schema';
import { eachServer } from './harness.ts';
import { connect, directConversation, register, waitFor } from './clients.ts';

const METRICS_TOKEN = 'metrics-token-for-tests';

/** The HTTP edge (issue 11): Origin allow-list for CORS and /sync, health and readiness, metrics behind a token. */
eachServer('origins, health and metrics', (server) => {
  const port = () => new URL(server.url).port;

  /** Whether a WebSocket upgrade with this Origin (and Host) is accepted. */
  function upgrade(origin: string | undefined, host?: string): Promise<number> {
    return new Promise((resolve) => {
      const ws = new WebSocket(server.wsUrl, { ...(origin ? { origin } : {}), ...(host ? { headers: { host } } : {}) });
      ws.on('open', () => {
        ws.close();
        resolve(101);
      });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => resolve(0));
    });
  }

  it('issue 11: the API never answers Access-Control-Allow-Origin: *; it echoes allowed origins and refuses others 403', async () => {
    const plain = await fetch(`${server.url}/api/health`);
    expect(plain.headers.get('access-control-allow-origin')).toBeNull();
    const allowed = await fetch(`${server.url}/api/health`, { headers: { origin: 'https://chat.example.org' } });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://chat.example.org');
    const foreign = await fetch(`${server.url}/api/health`, { headers: { origin: 'https://evil.example' } });
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await fetch(`${server.url}/api/me`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' } });
    expect(preflight.status).toBe(403);
    // Same-origin: what a browser sends through the web app's proxy, which keeps the Host.
    const same = await fetch(`${server.url}/api/health`, { headers: { origin: `http://127.0.0.1:${port()}` } });
    expect(same.status).toBe(200);
    expect(same.headers.get('x-request-id')).toMatch(/.+/);
  });

  it('issue 11: the /sync upgrade refuses a foreign Origin and accepts same-origin, listed and origin-less clients', async () => {
    expect(await upgrade('https://evil.example')).toBe(403);
    expect(await upgrade('null')).toBe(403);
    expect(await upgrade(undefined)).toBe(101);
    expect(await upgrade('https://chat.example.org')).toBe(101);
    expect(await upgrade(`http://127.0.0.1:${port()}`)).toBe(101);
    expect(await upgrade('http://localhost:5173', 'localhost:5173')).toBe(101);
  });

  it('answers /api/health and /api/ready with the database checked', async () => {
    expect(await (await fetch(`${server.url}/api/health`)).json()).toEqual({ ok: true });
    const ready = await fetch(`${server.url}/api/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ok: true, checks: { database: true } });
  });

  it('serves Prometheus metrics behind PARLEY_METRICS_TOKEN, and the counters move', async () => {
    expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    const scrape = async () => (await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
    const value = (text: string, series: string) => {
      const line = text.split('\n').find((l) => l.startsWith(series));
      return line ? Number(line.slice(series.length).trim()) : 0;
    };
    const sent = 'parley_commands_total{type="send",status="sent",code=""}';
    const refused = 'parley_commands_total{type="edit",status="failed",code="NOT_FOUND"}';
    const before = await scrape();
    expect(before).toContain('parley_command_seconds');

    const [alice, bob] = [await register(server.url, 'alice'), await register(server.url, 'bob')];
    const conversationId = await directConversation(server.url, alice, bob);
    const a = await connect(server.wsUrl, alice);
    const one = a.send(conversationId, 'counted');
    const { outbox } = userParts(a.user.doc);
    const edit = { id: 'edit-0000000001', type: 'edit', conversationId, messageId: 'nope-0000000001', text: 'x', createdAt: Date.now() };
    outbox.push([edit as never]);
    await waitFor(() => a.results().some((r) => r.id === one.id) && a.results().some((r) => r.id === edit.id), 10_000, 'results');
    const during = await scrape();
    expect(value(during, sent)).toBe(value(before, sent) + 1);
    expect(value(during, refused)).toBe(value(before, refused) + 1);
    expect(value(during, 'parley_connections')).toBeGreaterThan(0);
    expect(value(during, 'parley_documents_loaded')).toBeGreaterThan(0);
    expect(value(during, 'parley_store_seconds_count{operation="appendUpdates"}')).toBeGreaterThan(0);
    a.destroy();
  });
}, { dialects: ['sqlite'], config: { allowedOrigins: ['https://chat.example.org'], metricsToken: METRICS_TOKEN } });
