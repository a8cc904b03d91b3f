import { useTranslation } from 'react-i18next';
import { useClient } from '../../client/ClientContext.tsx';
import { useCalls } from '../../stores/calls.ts';
import { hangUp, toggleCamera, toggleMute } from './actions.ts';
import { HangUpIcon, MicIcon, MicOffIcon, VideoIcon, VideoOffIcon } from './icons.tsx';

/** The buttons the call view and the minimised bar share. */
export function MuteButton({ small, autoFocus }: { small?: boolean; autoFocus?: boolean }) {
  const { t } = useTranslation();
  const client = useClient();
  const muted = useCalls((s) => s.muted);
  const label = muted ? t('calls.unmute') : t('calls.mute');
  return (
    <button type="button" className={`call-round${small ? ' small' : ''}${muted ? ' off' : ''}`} aria-label={label} title={label} aria-pressed={muted} autoFocus={autoFocus} onClick={() => toggleMute(client)}>
      {muted ? <MicOffIcon /> : <MicIcon />}
    </button>
  );
}

export function CameraButton() {
  const { t } = useTranslation();
  const client = useClient();
  const cameraOff = useCalls((s) => s.cameraOff);
  const label = cameraOff ? t('calls.cameraOn') : t('calls.cameraOff');
  return (
    <button type="button" className={`call-round${cameraOff ? ' off' : ''}`} aria-label={label} title={label} aria-pressed={cameraOff} onClick={() => toggleCamera(client)}>
      {cameraOff ? <VideoOffIcon /> : <VideoIcon />}
    </button>
  );
}

export function HangUpButton({ small }: { small?: boolean }) {
  const { t } = useTranslation();
  const client = useClient();
  return (
    <button type="button" className={`call-round decline${small ? ' small' : ''}`} aria-label={t('calls.hangUp')} title={t('calls.hangUp')} onClick={() => hangUp(client)}>
      <HangUpIcon />
    </button>
  );
}
