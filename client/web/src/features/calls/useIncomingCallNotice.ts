import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import type { IncomingCall } from '@parley/client/sdk';
import { useConversations } from '../../stores/conversations.ts';
import { useSettings } from '../../stores/settings.ts';
import { selectConversation } from '../../stores/ui.ts';

/**
 * A desktop notification for a call that rings while the tab is in the
 * background, under the same settings as messages (features/notifications):
 * on, permitted, and the conversation not muted. It closes when the ringing stops.
 */
export function useIncomingCallNotice(call: IncomingCall, name: string): void {
  const { t } = useTranslation();
  const notify = useSettings((s) => s.notify);
  const muted = useConversations((s) => !!s.list?.find((c) => c.id === call.conversationId)?.muted);
  useEffect(() => {
    if (!notify || muted || typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
    let shown: Notification | null = null;
    const show = () => {
      if (shown || document.visibilityState === 'visible') return;
      shown = new Notification(t('calls.notice', { name }), { body: call.video ? t('calls.kind.video') : t('calls.kind.voice'), tag: `call-${call.id}`, requireInteraction: true });
      shown.onclick = () => {
        window.focus();
        selectConversation(call.conversationId);
        shown?.close();
      };
    };
    show();
    document.addEventListener('visibilitychange', show);
    return () => {
      document.removeEventListener('visibilitychange', show);
      shown?.close();
    };
  }, [call, name, notify, muted, t]);
}
