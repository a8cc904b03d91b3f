import type { ChatMessage } from '@parley/client/sdk';
import { useUploads } from '../../stores/uploads.ts';
import { FileCard } from './FileCard.tsx';
import { ImageThumb } from './ImageThumb.tsx';
import { PendingUpload } from './PendingUpload.tsx';
import { VideoMessage } from './VideoMessage.tsx';

export const isMediaMessage = (m: ChatMessage) => m.kind === 'image' || m.kind === 'video' || m.kind === 'file';

/** The body of an image, video or file message: its upload while it runs, then the media itself. */
export function MediaBody({ message: m }: { message: ChatMessage }) {
  const upload = useUploads((s) => s.uploads[m.id]);
  if (!m.media) return upload ? <PendingUpload message={m} upload={upload} /> : null;
  const media = m.media;
  return (
    <>
      {m.kind === 'image' ? (
        <ImageThumb messageId={m.id} media={media} localUrl={upload?.previewUrl ?? null} />
      ) : m.kind === 'video' ? (
        <VideoMessage media={media} />
      ) : (
        <FileCard media={media} />
      )}
    </>
  );
}
