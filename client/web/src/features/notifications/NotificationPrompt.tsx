import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useConversations } from '../../stores/conversations.ts';
import { setNotify } from '../../stores/settings.ts';

/**
 * Asks for the notification permission at a sensible moment: once the user has
 * a conversation with messages in it, never on load, and only by their click.
 */
export function NotificationPrompt() {
  const { t } = useTranslation();
  const hasChats = useConversations((s) => (s.list ?? []).some((c) => c.lastSeq > 1));
  const [permission, setPermission] = useState(() => (typeof Notification === 'undefined' ? 'denied' : Notification.permission));
  if (permission !== 'default' || !hasChats) return null;
  return (
    <div className="notify-prompt">
      <button
        className="link"
        onClick={() =>
          void Notification.requestPermission().then((p) => {
            setPermission(p);
            setNotify(p === 'granted');
          })
        }
      >
        🔔 {t('settings.enableNotifications')}
      </button>
    </div>
  );
}
