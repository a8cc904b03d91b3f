import { useEffect, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { ChatMessage } from '@parley/client/sdk';
import { useClient } from '../../client/ClientContext.tsx';
import { setStored } from '../../stores/uploads.ts';
import { pickFiles } from './attach.ts';
import { Lightbox } from './Lightbox.tsx';
import { loadStored } from './sendPicked.ts';

/**
 * Around the conversation pane: files dropped anywhere on it go to the tray
 * (unless nothing can be sent here), and the lightbox of its images.
 */
export function MediaLayer({ conversationId, messages, canSend, children }: { conversationId: string; messages: readonly ChatMessage[]; canSend: boolean; children: ReactNode }) {
  const { t, i18n } = useTranslation();
  const client = useClient();
  const [over, setOver] = useState(false);

  useEffect(() => {
    void loadStored(client).then(setStored);
  }, [client]);

  const hasFiles = (e: React.DragEvent) => canSend && e.dataTransfer.types.includes('Files');
  return (
    <div
      className={`media-layer${over ? ' drop-over' : ''}`}
      onDragOver={(e) => {
        if (!hasFiles(e)) return;
        e.preventDefault();
        e.dataTransfer.dropEffect = 'copy';
        setOver(true);
      }}
      onDragLeave={(e) => !e.currentTarget.contains(e.relatedTarget as Node) && setOver(false)}
      onDrop={(e) => {
        setOver(false);
        if (!hasFiles(e)) return;
        e.preventDefault();
        pickFiles(conversationId, e.dataTransfer.files, t, i18n.language);
      }}
    >
      {children}
      {over && (
        <div className="drop-hint" aria-hidden="true">
          {t('media.dropHere')}
        </div>
      )}
      <Lightbox messages={messages} />
    </div>
  );
}
