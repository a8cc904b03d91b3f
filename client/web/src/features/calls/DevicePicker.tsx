import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useClient } from '../../client/ClientContext.tsx';
import { useCalls } from '../../stores/calls.ts';

/**
 * Microphone and camera choice during a call: the SDK swaps the tracks
 * without re-dialling. Labels are known once the browser has granted access.
 */
export function DevicePicker({ video, onClose }: { video: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const client = useClient();
  const [devices, setDevices] = useState<MediaDeviceInfo[]>([]);
  const [chosen, setChosen] = useState<{ audioInput?: string; videoInput?: string }>({});
  // What the call is using now: the devices of the local tracks.
  const local = useCalls((s) => s.local);
  const inUse = { audioInput: local?.getAudioTracks()[0]?.getSettings().deviceId, videoInput: local?.getVideoTracks()[0]?.getSettings().deviceId };
  useEffect(() => {
    let live = true;
    void client.calls.listDevices().then((list) => live && setDevices(list), () => undefined);
    return () => {
      live = false;
    };
  }, [client]);

  const select = (kind: 'audioinput' | 'videoinput', key: 'audioInput' | 'videoInput', label: string) => {
    const options = devices.filter((d) => d.kind === kind);
    return (
      <label className="call-device">
        <span>{label}</span>
        <select
          value={chosen[key] ?? (options.some((d) => d.deviceId === inUse[key]) ? inUse[key] : '')}
          onChange={(e) => {
            const choice = { [key]: e.target.value };
            setChosen((c) => ({ ...c, ...choice }));
            void client.calls.chooseDevices(choice).catch(() => undefined);
          }}
        >
          <option value="" disabled>
            {t('calls.devices.current')}
          </option>
          {options.map((d, i) => (
            <option key={d.deviceId || i} value={d.deviceId}>
              {d.label || t('calls.devices.unnamed', { n: i + 1 })}
            </option>
          ))}
        </select>
      </label>
    );
  };

  return (
    <div className="call-devices" role="group" aria-label={t('calls.devices.title')} onKeyDown={(e) => e.key === 'Escape' && onClose()}>
      {select('audioinput', 'audioInput', t('calls.devices.microphone'))}
      {video && select('videoinput', 'videoInput', t('calls.devices.camera'))}
    </div>
  );
}
