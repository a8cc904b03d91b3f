import { useEffect, useRef, useState } from 'react';
import { createPortal } from 'react-dom';
import { useTranslation } from 'react-i18next';
import type { ChatMessage } from '@parley/client/sdk';
import { IconButton } from '../../ui/IconButton.tsx';
import { closeLightbox, openLightbox, useLightbox } from './lightbox.ts';
import { useSignedLink } from './links.ts';

/**
 * The open image at full size over the app: zoom (button, click or +/-),
 * previous and next across the conversation's images (buttons, arrow keys),
 * Escape or the close button to leave; focus goes back where it was.
 */
export function Lightbox({ messages }: { messages: readonly ChatMessage[] }) {
  const { t } = useTranslation();
  const openId = useLightbox((s) => s.messageId);
  const images = messages.filter((m) => m.kind === 'image' && m.media && !m.recalledAt);
  const index = images.findIndex((m) => m.id === openId);
  const current = index >= 0 ? images[index]! : null;
  const [zoom, setZoom] = useState(false);
  const { link, renew } = useSignedLink(current?.media?.url);
  const dialog = useRef<HTMLDivElement>(null);

  useEffect(() => setZoom(false), [openId]);
  useEffect(() => {
    if (!current) return;
    const before = document.activeElement as HTMLElement | null;
    dialog.current?.focus();
    return () => before?.focus?.();
    // Focus moves in once per opening, not on each next/previous.
  }, [current === null]);

  const go = (step: number) => {
    const target = images[index + step];
    if (target) openLightbox(target.id);
  };
  // On the document: a button that turned disabled (the first image's Previous) drops focus to the body.
  useEffect(() => {
    if (!current) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') closeLightbox();
      else if (e.key === 'ArrowLeft') go(-1);
      else if (e.key === 'ArrowRight') go(1);
      else if (e.key === '+' || e.key === '=') setZoom(true);
      else if (e.key === '-') setZoom(false);
      else return;
      e.preventDefault();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  });

  if (!current) return null;
  const name = current.media?.name ?? t('media.image');
  return createPortal(
    <div
      ref={dialog}
      className="lightbox"
      role="dialog"
      aria-modal="true"
      aria-label={t('media.lightbox', { name, index: index + 1, count: images.length })}
      tabIndex={-1}
      onClick={(e) => e.target === e.currentTarget && closeLightbox()}
    >
      <div className="lightbox-bar">
        <span className="lightbox-count">
          {index + 1} / {images.length}
        </span>
        <span className="lightbox-name">{name}</span>
        <IconButton label={zoom ? t('media.zoomOut') : t('media.zoomIn')} aria-pressed={zoom} onClick={() => setZoom((z) => !z)}>
          {zoom ? '−' : '+'}
        </IconButton>
        <IconButton label={t('media.close')} onClick={closeLightbox}>
          ✕
        </IconButton>
      </div>
      <div className={`lightbox-stage${zoom ? ' zoomed' : ''}`} onClick={(e) => e.target === e.currentTarget && closeLightbox()}>
        {link && <img src={link.url} alt={name} onClick={() => setZoom((z) => !z)} onError={renew} />}
      </div>
      <IconButton className="lightbox-prev" label={t('media.previous')} disabled={index === 0} onClick={() => go(-1)}>
        ‹
      </IconButton>
      <IconButton className="lightbox-next" label={t('media.next')} disabled={index === images.length - 1} onClick={() => go(1)}>
        ›
      </IconButton>
    </div>,
    document.body,
  );
}
