import { useTranslation } from 'react-i18next';
import { removePicked, useUploads, type Picked } from '../../stores/uploads.ts';
import { IconButton } from '../../ui/IconButton.tsx';
import { FileIcon } from './FileIcon.tsx';
import { formatBytes } from './format.ts';

const NONE: Picked[] = [];

/** The files picked for the next send: a thumbnail or a card each, with a remove button; and the last refusal. */
export function AttachTray({ conversationId }: { conversationId: string }) {
  const { t, i18n } = useTranslation();
  const picked = useUploads((s) => s.picked[conversationId] ?? NONE);
  const refusal = useUploads((s) => s.refusal[conversationId] ?? null);
  const stored = useUploads((s) => s.stored).filter((x) => x.conversationId === conversationId);
  return (
    <>
      {refusal && (
        <p className="composer-error" role="alert">
          {refusal}
        </p>
      )}
      {stored.length > 0 && (
        <p className="composer-note resume-note" role="status">
          {t('media.resumeHint', { names: stored.map((s) => s.name).join(', ') })}
        </p>
      )}
      {picked.length > 0 && (
        <ul className="attach-tray" aria-label={t('media.tray', { count: picked.length })}>
          {picked.map((p) => (
            <li key={p.key} className="attach-item" title={p.file.name}>
              {p.previewUrl && p.file.type.startsWith('image/') ? (
                <img src={p.previewUrl} alt={p.file.name} />
              ) : p.previewUrl ? (
                <video src={p.previewUrl} muted preload="metadata" aria-label={p.file.name} />
              ) : (
                <span className="attach-file">
                  <FileIcon />
                  <span className="attach-name">{p.file.name}</span>
                  <span className="muted">{formatBytes(p.file.size, i18n.language)}</span>
                </span>
              )}
              <IconButton className="attach-remove" label={t('media.remove', { name: p.file.name })} onClick={() => removePicked(conversationId, p.key)}>
                ✕
              </IconButton>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
