import { useTranslation } from 'react-i18next';
import type { CallInfo } from '@parley/client/sdk';
import { useCalls } from '../../stores/calls.ts';
import { returnToCall } from './actions.ts';
import { HangUpButton, MuteButton } from './controls.tsx';
import { MediaVideo } from './MediaVideo.tsx';
import { useCallPeer } from './useCallPeer.ts';
import { useCallStatus } from './useCallStatus.ts';

/** The call, minimised while the user reads other conversations: who, the timer, mute, hang-up and the way back. */
export function CallBar({ call }: { call: CallInfo }) {
  const { t } = useTranslation();
  const peer = useCallPeer(call.conversationId, call.peerUserId);
  const status = useCallStatus();
  // The remote stream keeps playing here, so the call stays audible while minimised.
  const remote = useCalls((s) => s.remote);
  return (
    <div className="call-bar" role="region" aria-label={t('calls.bar', { name: peer.name })}>
      <MediaVideo stream={remote} muted={false} className="hidden" label={t('calls.remoteVideo', { name: peer.name })} />
      <span className="call-bar-dot" aria-hidden="true" />
      <button type="button" className="call-bar-return" aria-label={t('calls.returnTo', { name: peer.name })} onClick={returnToCall}>
        <strong>{peer.name}</strong>
        <span className="call-bar-status">{status}</span>
        <span className="call-bar-hint">{t('calls.return')}</span>
      </button>
      <MuteButton small />
      <HangUpButton small />
    </div>
  );
}
