import { useRef } from 'react';
import { useTranslation } from 'react-i18next';
import type { Media } from '@parley/schema';
import { boxStyle } from './ImageThumb.tsx';
import { useSignedLink } from './links.ts';
import { formatDuration } from './format.ts';

/**
 * An inline player: the poster the sender's browser captured, metadata only
 * until played, and seeking by HTTP Range. When its signed link expires mid-play
 * the next Range request fails: a fresh link continues from the same place.
 */
export function VideoMessage({ media }: { media: Media }) {
  const { t } = useTranslation();
  const video = useRef<HTMLVideoElement>(null);
  const resumeAt = useRef<number | null>(null);
  const { link, renew } = useSignedLink(media.url);
  const poster = useSignedLink(media.thumbnailUrl).link;
  const name = media.name ?? t('media.video');
  return (
    <span className="media-box video-box" style={boxStyle(media.width, media.height)}>
      {link && (
        <video
          ref={video}
          src={link.url}
          poster={poster?.url}
          controls
          preload="metadata"
          playsInline
          aria-label={media.durationMs ? t('media.videoNamed', { name, duration: formatDuration(media.durationMs) }) : name}
          onError={() => {
            resumeAt.current = video.current?.currentTime ?? null;
            renew();
          }}
          onLoadedMetadata={() => {
            if (resumeAt.current !== null && video.current) video.current.currentTime = resumeAt.current;
            resumeAt.current = null;
          }}
        />
      )}
      {media.durationMs !== undefined && <span className="video-duration" aria-hidden="true">{formatDuration(media.durationMs)}</span>}
    </span>
  );
}
