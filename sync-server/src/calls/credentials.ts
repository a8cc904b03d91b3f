import { createHmac, randomBytes } from 'node:crypto';
import { createPeerTokenService } from '@parley/schema/tokens';
import type { SyncConfig } from '../config.ts';

/** One ICE server as RTCPeerConnection takes it. */
export interface IceServer {
  urls: string;
  username?: string;
  credential?: string;
}

export interface CallCredentials {
  peerId: string;
  peerToken: string;
  expiresAt: number;
  iceServers: IceServer[];
}

type CallSettings = Pick<SyncConfig, 'jwtSecret' | 'turnUrls' | 'turnSecret' | 'callCredentialsTtlSeconds'>;

/**
 * CONTRACT.md, "Calls": a fresh opaque peer id for this device, a token bound
 * to it and to the user, and the configured STUN/TURN servers. TURN entries
 * carry REST credentials (coturn's `use-auth-secret`) when TURN_SECRET is set.
 */
export async function issueCallCredentials(config: CallSettings, userId: string, now = Date.now()): Promise<CallCredentials> {
  const peerId = `p${randomBytes(16).toString('hex')}`;
  const { token, expiresAt } = await createPeerTokenService(config.jwtSecret, config.callCredentialsTtlSeconds).issue(userId, peerId);
  return { peerId, peerToken: token, expiresAt, iceServers: iceServers(config, userId, now) };
}

export function iceServers(config: CallSettings, userId: string, now = Date.now()): IceServer[] {
  const expiry = Math.floor(now / 1000) + config.callCredentialsTtlSeconds;
  return config.turnUrls.map((urls) => {
    if (!config.turnSecret || !/^turns?:/.test(urls)) return { urls };
    const username = `${expiry}:${userId}`;
    return { urls, username, credential: turnCredential(config.turnSecret, username) };
  });
}

/** coturn's TURN REST password: base64 HMAC-SHA1 of the username under the shared secret. */
export function turnCredential(secret: string, username: string): string {
  return createHmac('sha1', secret).update(username).digest('base64');
}
