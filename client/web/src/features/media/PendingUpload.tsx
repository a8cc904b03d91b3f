import { useTranslation } from 'react-i18next';
import type { ChatMessage } from '@parley/client/sdk';
import type { UploadView } from '../../stores/uploads.ts';
import { FileIcon } from './FileIcon.tsx';
import { formatBytes } from './format.ts';
import { boxStyle } from './ImageThumb.tsx';

/** An upload in its message's place: the local preview, a progress bar, pause / resume / cancel, or retry after a failure. */
export function PendingUpload({ message: m, upload }: { message: ChatMessage; upload: UploadView }) {
  const { t, i18n } = useTranslation();
  const { handle, state, progress, previewUrl } = upload;
  const percent = progress.total ? Math.floor((progress.sent / progress.total) * 100) : 0;
  const name = handle.file.name;
  const size = (n: number) => formatBytes(n, i18n.language);
  return (
    <span className="pending-upload" data-upload-state={state}>
      {previewUrl && m.kind === 'image' ? (
        <span className="media-box" style={boxStyle(upload.width, upload.height)}>
          <img src={previewUrl} alt={name} />
        </span>
      ) : previewUrl && m.kind === 'video' ? (
        <span className="media-box" style={boxStyle(upload.width, upload.height)}>
          <video src={previewUrl} muted preload="metadata" aria-label={name} />
        </span>
      ) : (
        <span className="file-card">
          <FileIcon />
          <span className="file-info">
            <span className="file-name">{name}</span>
          </span>
        </span>
      )}
      <span className="upload-line">
        <progress max={100} value={percent} aria-label={t('media.progress', { name })} />
        <span className="upload-figures">
          {state === 'failed'
            ? t('media.failed')
            : state === 'refused'
              ? t('media.refused', { reason: upload.error?.message ?? '' })
              : state === 'cancelled'
                ? t('media.cancelled')
                : state === 'paused'
                  ? t('media.paused', { percent })
                  : state === 'queued' || state === 'offline'
                    ? t(state === 'offline' ? 'media.offline' : 'media.queued')
                    : t('media.sending', { sent: size(progress.sent), total: size(progress.total), percent })}
        </span>
      </span>
      <span className="upload-actions">
        {state === 'uploading' || state === 'queued' || state === 'offline' ? (
          <button type="button" className="link" onClick={() => handle.pause()} aria-label={t('media.pauseNamed', { name })}>
            {t('media.pause')}
          </button>
        ) : state === 'paused' ? (
          <button type="button" className="link" onClick={() => handle.resume()} aria-label={t('media.resumeNamed', { name })}>
            {t('media.resume')}
          </button>
        ) : state === 'failed' ? (
          <button type="button" className="link retry" onClick={() => handle.resume()} aria-label={t('media.retryNamed', { name })}>
            {t('media.retry')}
          </button>
        ) : null}
        {state !== 'done' && state !== 'cancelled' && state !== 'refused' && (
          <button type="button" className="link muted-link" onClick={() => void handle.cancel()} aria-label={t('media.cancelNamed', { name })}>
            {t('media.cancel')}
          </button>
        )}
      </span>
    </span>
  );
}
