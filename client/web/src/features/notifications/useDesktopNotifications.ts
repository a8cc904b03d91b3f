import { useEffect } from 'react';
import { i18n } from '../../i18n/index.ts';
import { useClient } from '../../client/ClientContext.tsx';
import { useConversations } from '../../stores/conversations.ts';
import { useSettings } from '../../stores/settings.ts';
import { selectConversation } from '../../stores/ui.ts';

/**
 * A desktop notification and a short sound for a message that arrives while
 * the tab is in the background, unless its conversation is muted. The SDK's
 * `messageReceived` fires once per message from someone else (SDK-N2).
 */
export function useDesktopNotifications(): void {
  const client = useClient();
  useEffect(
    () =>
      client.on('messageReceived', (message) => {
        if (document.visibilityState === 'visible') return;
        const { notify, sound } = useSettings.getState();
        const { list, people } = useConversations.getState();
        const conversation = list?.find((c) => c.id === message.conversationId);
        if (conversation?.muted) return;
        if (sound) beep();
        if (!notify || typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
        const sender = conversation?.peer?.id === message.senderId ? conversation.peer : people[message.senderId];
        const name = sender?.displayName || sender?.username || conversation?.title || 'Parley';
        const n = new Notification(i18n.t('settings.newMessage', { name }), { body: message.recalledAt ? '' : message.text.slice(0, 140), tag: message.conversationId });
        n.onclick = () => {
          window.focus();
          selectConversation(message.conversationId);
          n.close();
        };
      }),
    [client],
  );
}

let audio: AudioContext | null = null;

/** Two soft notes from the Web Audio API: no sound file to download. */
function beep(): void {
  try {
    audio ??= new AudioContext();
    const now = audio.currentTime;
    for (const [i, freq] of [880, 1320].entries()) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, now + i * 0.12);
      gain.gain.exponentialRampToValueAtTime(0.08, now + i * 0.12 + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, now + i * 0.12 + 0.18);
      osc.connect(gain).connect(audio.destination);
      osc.start(now + i * 0.12);
      osc.stop(now + i * 0.12 + 0.2);
    }
  } catch {
    // No audio (autoplay policy before any click): stay silent.
  }
}
