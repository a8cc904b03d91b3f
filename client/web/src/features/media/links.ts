import { useContext, useEffect, useState } from 'react';
import { uploadIdOf } from '@parley/schema';
import type { MediaLink, ParleyClient } from '@parley/client/sdk';
import { ClientContext } from '../../client/ClientContext.tsx';

/**
 * Short-lived signed links for <img> and <video>, which cannot send a Bearer
 * header (CONTRACT.md, "Media"): the SDK's `mediaLink` answers a URL bound to
 * this user and file for minutes. One link per file is shared by every bubble
 * showing it and fetched again shortly before it expires; the media-server
 * checks membership on each request either way.
 */
export type SignedLink = MediaLink;

/** Asked again this long before expiry, so a link handed out is good for a while. */
const RENEW_BEFORE_MS = 60_000;

const cache = new Map<string, Promise<SignedLink>>();

/** A signed link for a media URL (`/files/<id>`), from the cache while it has more than a minute left. */
export function signedLink(client: ParleyClient, mediaUrl: string, fresh = false): Promise<SignedLink> | null {
  const id = uploadIdOf(mediaUrl)?.id;
  if (!id) return null;
  const known = cache.get(id);
  if (known && !fresh) return known;
  const asked = client.mediaLink(mediaUrl);
  cache.set(id, asked);
  asked.then(
    (link) => setTimeout(() => cache.get(id) === asked && cache.delete(id), Math.max(0, link.expiresAt - Date.now() - RENEW_BEFORE_MS)),
    () => cache.get(id) === asked && cache.delete(id),
  );
  return asked;
}

/**
 * The signed link of a message's media, renewed before it expires; `renew()`
 * asks again at once (an <img> or <video> that failed to load: the link may have expired).
 */
export function useSignedLink(mediaUrl: string | undefined): { link: SignedLink | null; renew: () => void } {
  const client = useContext(ClientContext);
  const [link, setLink] = useState<SignedLink | null>(null);
  const [round, setRound] = useState(0);
  const [askedAt, setAskedAt] = useState(0);
  useEffect(() => {
    if (!mediaUrl || !client) return;
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    signedLink(client, mediaUrl, round > 0)?.then(
      (l) => {
        if (!live) return;
        setLink(l);
        timer = setTimeout(() => setRound((r) => r + 1), Math.max(5_000, l.expiresAt - Date.now() - RENEW_BEFORE_MS));
      },
      () => undefined,
    );
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [client, mediaUrl, round]);
  // A file this user may no longer read fails again with a fresh link: ask at most every half minute.
  const renew = () => {
    if (Date.now() - askedAt < 30_000) return;
    setAskedAt(Date.now());
    setRound((r) => r + 1);
  };
  return { link, renew };
}
