import type { CSSProperties } from 'react';
import { useTranslation } from 'react-i18next';
import type { Media } from '@parley/schema';
import { openLightbox } from './lightbox.ts';
import { useSignedLink } from './links.ts';

/** Bubbles hold media in at most this square: the box is reserved from width/height so the list does not jump. */
const BOX = 280;

export function boxStyle(width?: number, height?: number): CSSProperties {
  if (!width || !height) return { width: BOX, aspectRatio: '4 / 3' };
  const scale = Math.min(1, BOX / Math.max(width, height));
  return { width: Math.max(80, Math.round(width * scale)), aspectRatio: `${width} / ${height}` };
}

/** An image message: its server thumbnail, lazy-loaded, in a box of the image's shape; a click opens the lightbox. */
export function ImageThumb({ messageId, media, localUrl }: { messageId: string; media: Media; localUrl: string | null }) {
  const { t } = useTranslation();
  const { link, renew } = useSignedLink(media.url);
  const name = media.name ?? t('media.image');
  return (
    <button type="button" className="media-box image-thumb" style={boxStyle(media.width, media.height)} aria-label={t('media.open', { name })} onClick={() => openLightbox(messageId)}>
      {(link || localUrl) && <img src={link?.thumbnailUrl ?? localUrl!} alt={name} loading="lazy" decoding="async" onError={renew} />}
    </button>
  );
}
