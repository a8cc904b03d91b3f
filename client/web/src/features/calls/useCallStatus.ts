import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useCalls } from '../../stores/calls.ts';
import { formatDuration } from './callText.ts';

/** The line under the peer's name: "Calling…", "Ringing…", "Connecting…", then the timer from connect. */
export function useCallStatus(): string {
  const { t } = useTranslation();
  const state = useCalls((s) => s.current?.state ?? null);
  const ringing = useCalls((s) => s.ringing);
  const connectedAt = useCalls((s) => s.connectedAt);
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (connectedAt === null) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [connectedAt]);
  if (state === 'outgoing') return ringing ? t('calls.status.ringing') : t('calls.status.calling');
  if (state === 'reconnecting') return t('calls.status.reconnecting');
  if (connectedAt === null) return t('calls.status.connecting');
  return formatDuration(Math.max(0, now - connectedAt));
}
