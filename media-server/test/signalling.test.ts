import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { WebSocket } from 'ws';
import { createPeerTokenService, createTokenService } from '@parley/schema/tokens';
import { createLogger } from '../src/log.ts';
import { attachSignalling, type Signalling } from '../src/calls/signalling.ts';

/** Rule K1: PeerJS signalling at /peer takes only a socket whose token names its own peer id. */
const SECRET = 'signalling-test-secret-signalling-test';

describe('signalling (K1)', () => {
  // The media-server's own hook on a bare HTTP server whose other routes answer 404 (server.ts makes the same call).
  let server: http.Server;
  let signalling: Signalling;
  let wsBase: string;
  const peers = createPeerTokenService(SECRET, 600);

  beforeAll(async () => {
    server = http.createServer((_req, res) => res.writeHead(404).end());
    signalling = attachSignalling(server, peers, createLogger('silent'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    wsBase = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/peer/peerjs`;
  });

  afterAll(async () => {
    signalling.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  /** Opens a PeerJS socket; resolves with its first message, or with the HTTP status that refused the upgrade. */
  function open(query: Record<string, string>): Promise<{ ws?: WebSocket; first?: { type: string }; status?: number; body?: string }> {
    const url = `${wsBase}?${new URLSearchParams({ key: 'peerjs', version: '1.5.5', ...query })}`;
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.once('message', (data) => resolve({ ws, first: JSON.parse(String(data)) }));
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode, body }));
      });
      ws.once('error', (error) => {
        if (!String(error.message).includes('Unexpected server response')) reject(error);
      });
    });
  }

  const code = (body: string | undefined) => (JSON.parse(body ?? '{}') as { error?: { code?: string } }).error?.code;

  it('K1: a token for its own peer id opens, and PeerJS relays between two such peers', async () => {
    const a = await peers.issue('alice', 'pa1');
    const b = await peers.issue('bob', 'pb1');
    const alice = await open({ id: 'pa1', token: a.token });
    const bob = await open({ id: 'pb1', token: b.token });
    expect(alice.first?.type).toBe('OPEN');
    expect(bob.first?.type).toBe('OPEN');
    const got = new Promise<{ type: string; src: string }>((resolve) => bob.ws!.once('message', (d) => resolve(JSON.parse(String(d)))));
    alice.ws!.send(JSON.stringify({ type: 'OFFER', dst: 'pb1', payload: { sdp: 'x' } }));
    expect(await got).toMatchObject({ type: 'OFFER', src: 'pa1' });
    alice.ws!.close();
    bob.ws!.close();
  });

  it('K1: no token, a forged or expired token, an access token, or a token for another id is refused at the upgrade', async () => {
    const mine = await peers.issue('mallory', 'pm1');
    const victim = await peers.issue('victim', 'pv1');
    const held = await open({ id: 'pv1', token: victim.token });
    expect(held.first?.type).toBe('OPEN');

    const forged = await createPeerTokenService('another-secret-another-secret-another', 600).issue('victim', 'pv1');
    const expired = await new SignJWT({ typ: 'peer', pid: 'pv1' }).setProtectedHeader({ alg: 'HS256' }).setSubject('victim').setIssuer('parley')
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60).sign(new TextEncoder().encode(SECRET));
    const access = await createTokenService(SECRET, 600).issueAccess('victim');
    const cases: Array<[string, Record<string, string>, number, string]> = [
      ['no token', { id: 'pv1' }, 401, 'AUTH_FAILED'],
      ['forged', { id: 'pv1', token: forged.token }, 401, 'AUTH_FAILED'],
      ['expired', { id: 'pv1', token: expired }, 401, 'TOKEN_EXPIRED'],
      ['access token', { id: 'pv1', token: access.token }, 401, 'AUTH_FAILED'],
      ['another id', { id: 'pv1', token: mine.token }, 403, 'FORBIDDEN'],
    ];
    for (const [what, query, status, expected] of cases) {
      const answer = await open(query);
      expect(answer.status, what).toBe(status);
      expect(code(answer.body), what).toBe(expected);
    }
    // The victim's socket is untouched: it still receives what is sent to its id.
    const own = await open({ id: 'pm1', token: mine.token });
    const got = new Promise<{ type: string; src: string }>((resolve) => held.ws!.once('message', (d) => resolve(JSON.parse(String(d)))));
    own.ws!.send(JSON.stringify({ type: 'OFFER', dst: 'pv1', payload: { sdp: 'y' } }));
    expect(await got).toMatchObject({ type: 'OFFER', src: 'pm1' });
    held.ws!.close();
    own.ws!.close();
  });

  it('K1: other upgrade paths are closed, and the peer list is not served', async () => {
    const answer = await new Promise<string>((resolve) => {
      const ws = new WebSocket(wsBase.replace('/peer/peerjs', '/elsewhere'));
      ws.once('error', () => resolve('refused'));
      ws.once('open', () => resolve('open'));
    });
    expect(answer).toBe('refused');
    const res = await fetch(`${wsBase.replace('ws:', 'http:').replace('/peer/peerjs', '/peer/peerjs/peers')}`);
    expect(res.status).toBe(404);
  });
});
