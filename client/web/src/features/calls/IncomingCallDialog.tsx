import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import type { IncomingCall } from '@parley/client/sdk';
import { useClient } from '../../client/ClientContext.tsx';
import { useSettings } from '../../stores/settings.ts';
import { Avatar } from '../../ui/Avatar.tsx';
import { acceptCall, declineCall } from './actions.ts';
import { HangUpIcon, PhoneIcon, VideoIcon } from './icons.tsx';
import { startRingtone } from './ringtone.ts';
import { useCallPeer } from './useCallPeer.ts';
import { useIncomingCallNotice } from './useIncomingCallNotice.ts';

/**
 * A call ringing on this device: who, which kind, accept (with video or as
 * voice) and decline. It rings while it is shown; answering here, declining,
 * the caller's cancel or an answer on another device take it away.
 */
export function IncomingCallDialog({ call }: { call: IncomingCall }) {
  const { t } = useTranslation();
  const client = useClient();
  const peer = useCallPeer(call.conversationId, call.callerId);
  const sound = useSettings((s) => s.sound);
  useIncomingCallNotice(call, peer.name);

  useEffect(() => {
    if (!sound) return;
    const ring = startRingtone();
    return () => ring.stop();
  }, [call.id, sound]);

  return (
    <div className="call-incoming" role="alertdialog" aria-modal="false" aria-labelledby={`incoming-${call.id}`} aria-describedby={`incoming-kind-${call.id}`} data-call-id={call.id}>
      <div className="call-incoming-who">
        <span className="call-incoming-avatar">
          <Avatar id={peer.id} name={peer.name} size={56} imageUrl={peer.avatarUrl} />
        </span>
        <div>
          <h2 id={`incoming-${call.id}`}>{peer.name}</h2>
          <p id={`incoming-kind-${call.id}`} className="muted">
            {t(`calls.incoming.${call.video ? 'video' : 'voice'}`)}
          </p>
        </div>
      </div>
      <div className="call-incoming-actions">
        <button type="button" className="call-round decline" aria-label={t('calls.decline')} title={t('calls.decline')} onClick={() => declineCall(client, call.id)}>
          <HangUpIcon />
        </button>
        {call.video && (
          <button type="button" className="call-round accept" aria-label={t('calls.acceptVoice')} title={t('calls.acceptVoice')} onClick={() => void acceptCall(client, call.id, false)}>
            <PhoneIcon />
          </button>
        )}
        <button
          type="button"
          className="call-round accept"
          aria-label={call.video ? t('calls.acceptVideo') : t('calls.accept')}
          title={call.video ? t('calls.acceptVideo') : t('calls.accept')}
          autoFocus
          onClick={() => void acceptCall(client, call.id, call.video)}
        >
          {call.video ? <VideoIcon /> : <PhoneIcon />}
        </button>
      </div>
    </div>
  );
}
