import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { checkUpload, DEFAULT_SIZE_LIMITS } from '@parley/schema';
import type { ParleyClient } from '@parley/client/sdk';
import { formatBytes } from './format.ts';

/** A picture chosen for a new group: a preview, change and remove; refused types and sizes are said at once. */
export function AvatarPicker({ file, onChange }: { file: File | null; onChange: (file: File | null) => void }) {
  const { t, i18n } = useTranslation();
  const input = useRef<HTMLInputElement>(null);
  const [preview, setPreview] = useState<string | null>(null);
  const [refusal, setRefusal] = useState<string | null>(null);
  useEffect(() => {
    if (!file) return setPreview(null);
    const url = URL.createObjectURL(file);
    setPreview(url);
    return () => URL.revokeObjectURL(url);
  }, [file]);
  return (
    <div className="group-avatar-picker">
      <button type="button" className="avatar-choice" aria-label={t('media.avatarChoose')} onClick={() => input.current?.click()}>
        {preview ? <img src={preview} alt="" /> : <span aria-hidden="true">＋</span>}
      </button>
      <span className="muted">{t('media.avatar')}</span>
      {file && (
        <button type="button" className="link muted-link" onClick={() => onChange(null)}>
          {t('media.avatarRemove')}
        </button>
      )}
      <input
        ref={input}
        type="file"
        accept="image/*"
        hidden
        aria-label={t('media.avatar')}
        onChange={(e) => {
          const chosen = e.target.files?.[0];
          e.target.value = '';
          if (!chosen) return;
          const refused = checkUpload(chosen, 'image');
          setRefusal(refused ? t(refused.code === 'PAYLOAD_TOO_LARGE' ? 'media.tooLarge' : 'media.badType', { name: chosen.name, limit: formatBytes(DEFAULT_SIZE_LIMITS.image, i18n.language) }) : null);
          onChange(refused ? null : chosen);
        }}
      />
      {refusal && (
        <p className="form-error" role="alert">
          {refusal}
        </p>
      )}
    </div>
  );
}

/** Uploads the picture into the new group and makes it the group's avatar (`setAvatar`, docs/api.md). */
export async function setGroupAvatar(client: ParleyClient, conversationId: string, file: File): Promise<void> {
  const media = await client.uploads.start(file, { conversationId, kind: 'image' }).result;
  await client.setConversationAvatar(conversationId, media.url);
}
