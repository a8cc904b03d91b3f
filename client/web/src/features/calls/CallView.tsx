import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CallInfo } from '@parley/client/sdk';
import { useCalls } from '../../stores/calls.ts';
import { Avatar } from '../../ui/Avatar.tsx';
import { CameraButton, HangUpButton, MuteButton } from './controls.tsx';
import { DevicePicker } from './DevicePicker.tsx';
import { DevicesIcon, MicOffIcon, MinimiseIcon, SignalIcon, VideoOffIcon } from './icons.tsx';
import { MediaVideo } from './MediaVideo.tsx';
import { useCallPeer } from './useCallPeer.ts';
import { useCallStatus } from './useCallStatus.ts';

const BARS = { good: 3, fair: 2, poor: 1 } as const;

/**
 * The call in full: the peer's video (or picture, for voice or a camera turned
 * off), this device's mirrored preview, the peer's mute and camera state, the
 * timer and network hint, and the controls.
 */
export function CallView({ call }: { call: CallInfo }) {
  const { t } = useTranslation();
  const peer = useCallPeer(call.conversationId, call.peerUserId);
  const status = useCallStatus();
  const { local, remote, remoteMedia, cameraOff, quality } = useCalls();
  const [devices, setDevices] = useState(false);
  const showRemoteVideo = call.video && !!remote && !remoteMedia.cameraOff;
  const connected = call.state === 'active' || call.state === 'reconnecting';
  const minimise = () => useCalls.setState({ expanded: false });

  return (
    <div
      className={`call-view${call.video ? ' video' : ' voice'}${showRemoteVideo ? '' : ' portrait'}`}
      role="dialog"
      aria-modal="true"
      aria-label={t('calls.with', { name: peer.name })}
      data-state={call.state}
      // Escape closes the device choice first, then minimises the call (it never hangs up).
      onKeyDown={(e) => e.key === 'Escape' && (devices ? setDevices(false) : minimise())}
    >
      <MediaVideo stream={remote} muted={false} className={`call-remote${showRemoteVideo ? '' : ' hidden'}`} label={t('calls.remoteVideo', { name: peer.name })} />
      {!showRemoteVideo && (
        <div className="call-portrait">
          <Avatar id={peer.id} name={peer.name} size={112} imageUrl={peer.avatarUrl} />
        </div>
      )}

      <header className="call-top">
        <div className="call-who">
          <h2>{peer.name}</h2>
          <span className="call-status" aria-live="polite">
            {status}
          </span>
        </div>
        {quality && connected && (
          <span className={`call-quality ${quality.level}`} role="status" aria-label={t(`calls.quality.${quality.level}`)} title={t(`calls.quality.${quality.level}`)}>
            <SignalIcon bars={BARS[quality.level]} />
            {quality.level !== 'good' && <span>{t(`calls.quality.${quality.level}`)}</span>}
          </span>
        )}
        <button type="button" className="call-round small ghost" aria-label={t('calls.minimise')} title={t('calls.minimise')} onClick={minimise}>
          <MinimiseIcon />
        </button>
      </header>

      {connected && (remoteMedia.muted || (call.video && remoteMedia.cameraOff)) && (
        <ul className="call-peer-state" aria-label={t('calls.peerState', { name: peer.name })}>
          {remoteMedia.muted && (
            <li data-peer="muted">
              <MicOffIcon /> {t('calls.peerMuted', { name: peer.name })}
            </li>
          )}
          {call.video && remoteMedia.cameraOff && (
            <li data-peer="camera-off">
              <VideoOffIcon /> {t('calls.peerCameraOff', { name: peer.name })}
            </li>
          )}
        </ul>
      )}

      {call.video && (
        <div className={`call-local${cameraOff ? ' camera-off' : ''}`}>
          <MediaVideo stream={local} muted className="mirrored" label={t('calls.localVideo')} />
          {cameraOff && (
            <span className="call-local-off">
              <VideoOffIcon />
            </span>
          )}
        </div>
      )}

      {devices && <DevicePicker video={call.video} onClose={() => setDevices(false)} />}
      <div className="call-controls" role="toolbar" aria-label={t('calls.controls')}>
        <MuteButton autoFocus />
        {call.video && <CameraButton />}
        <button type="button" className="call-round" aria-label={t('calls.devices.title')} title={t('calls.devices.title')} aria-expanded={devices} onClick={() => setDevices((v) => !v)}>
          <DevicesIcon />
        </button>
        <HangUpButton />
      </div>
    </div>
  );
}
