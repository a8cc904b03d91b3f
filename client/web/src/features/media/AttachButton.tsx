import { useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { useUploads } from '../../stores/uploads.ts';
import { IconButton } from '../../ui/IconButton.tsx';
import { pickFiles } from './attach.ts';
import { PaperclipIcon } from './FileIcon.tsx';

/** How many files wait in a conversation's tray. */
export const usePicked = (conversationId: string) => useUploads((s) => s.picked[conversationId]?.length ?? 0);

/** The composer's attach button: a file chooser for several files at once, into the tray. */
export function AttachButton({ conversationId }: { conversationId: string }) {
  const { t, i18n } = useTranslation();
  const input = useRef<HTMLInputElement>(null);
  return (
    <>
      <IconButton label={t('media.attach')} onClick={() => input.current?.click()}>
        <PaperclipIcon />
      </IconButton>
      <input
        ref={input}
        type="file"
        multiple
        hidden
        aria-label={t('media.choose')}
        onChange={(e) => {
          pickFiles(conversationId, [...(e.target.files ?? [])], t, i18n.language);
          // The same file may be picked again (to resume it after a reload).
          e.target.value = '';
        }}
      />
    </>
  );
}
