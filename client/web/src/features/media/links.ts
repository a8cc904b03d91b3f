import { useEffect, useState } from 'react';
import { uploadIdOf } from '@parley/schema';
import { useSession } from '../../stores/session.ts';

/**
 * Short-lived signed links for <img> and <video>, which cannot send a Bearer
 * header (CONTRACT.md, "Media"): `POST /files/<id>/link` answers a URL bound to
 * this user and file for minutes. One link per file is shared by every bubble
 * showing it and fetched again shortly before it expires; the media-server
 * checks membership on each request either way.
 */
export interface SignedLink {
  url: string;
  thumbnailUrl: string;
  expiresAt: number;
}

/** Asked again this long before expiry, so a link handed out is good for a while. */
const RENEW_BEFORE_MS = 60_000;

const cache = new Map<string, Promise<SignedLink>>();

async function issue(id: string): Promise<SignedLink> {
  const token = useSession.getState().session?.token;
  const res = await fetch(`/files/${id}/link`, { method: 'POST', headers: token ? { Authorization: `Bearer ${token}` } : {} });
  if (!res.ok) throw new Error(`link refused (${res.status})`);
  return (await res.json()) as SignedLink;
}

/** A signed link for a media URL (`/files/<id>`), from the cache while it has more than a minute left. */
export function signedLink(mediaUrl: string, fresh = false): Promise<SignedLink> | null {
  const id = uploadIdOf(mediaUrl)?.id;
  if (!id) return null;
  const known = cache.get(id);
  if (known && !fresh) return known;
  const asked = issue(id);
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
  const [link, setLink] = useState<SignedLink | null>(null);
  const [round, setRound] = useState(0);
  const [askedAt, setAskedAt] = useState(0);
  useEffect(() => {
    if (!mediaUrl) return;
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    signedLink(mediaUrl, round > 0)?.then(
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
  }, [mediaUrl, round]);
  // A file this user may no longer read fails again with a fresh link: ask at most every half minute.
  const renew = () => {
    if (Date.now() - askedAt < 30_000) return;
    setAskedAt(Date.now());
    setRound((r) => r + 1);
  };
  return { link, renew };
}
