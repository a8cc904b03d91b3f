import { uploadIdOf } from '@parley/schema';
import { useSignedLink } from '../features/media/links.ts';

const HUES = [250, 200, 160, 25, 330, 280, 190, 45, 10, 140];

/** Only pictures Parley serves itself or plain https ones; anything else falls back to initials. */
const safeImage = (url: string | null | undefined) => (url && (/^https:\/\//.test(url) || /^\/(media|api)\//.test(url)) ? url : null);

/**
 * A picture, or initials on a colour that stays the same for a person everywhere.
 * `online`: true / false draws the presence dot, null an "unknown" one (offline), undefined none.
 */
export function Avatar({ id, name, size = 40, online, imageUrl }: { id: string; name: string; size?: number; online?: boolean | null; imageUrl?: string | null }) {
  let hash = 0;
  for (const ch of id) hash = (hash * 31 + ch.charCodeAt(0)) | 0;
  const hue = HUES[Math.abs(hash) % HUES.length]!;
  const initials =
    [...name]
      .join('')
      .split(/\s+/)
      .filter(Boolean)
      .slice(0, 2)
      .map((w) => [...w][0]!.toUpperCase())
      .join('') || '?';
  // A picture uploaded to Parley (`/files/<id>`): <img> cannot send the token, so its thumbnail by signed link.
  const uploaded = imageUrl && uploadIdOf(imageUrl) ? imageUrl : undefined;
  const signed = useSignedLink(uploaded).link;
  const image = uploaded ? (signed?.thumbnailUrl ?? null) : safeImage(imageUrl);
  return (
    <span
      className="avatar"
      aria-hidden="true"
      style={{ width: size, height: size, fontSize: size * 0.38, background: image ? undefined : `linear-gradient(135deg, hsl(${hue} 70% 62%), hsl(${hue + 25} 65% 48%))` }}
    >
      {image ? <img src={image} alt="" width={size} height={size} /> : initials}
      {online !== undefined && <span className={online ? 'presence online' : online === null ? 'presence unknown' : 'presence'} />}
    </span>
  );
}
