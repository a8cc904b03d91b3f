import { useTranslation } from 'react-i18next';
import type { ChatMessage } from '@parley/client/sdk';
import { callText } from './callText.ts';
import { CallRecordIcon } from './icons.tsx';

/** A `call` message in the list: icon and outcome, red for a call this user missed. */
export function CallRecordLine({ message, meId }: { message: ChatMessage; meId: string }) {
  const { t } = useTranslation();
  const record = message.system?.call;
  if (!record) return <>{message.text || t('preview.call')}</>;
  const outgoing = record.callerId === meId;
  const missed = !outgoing && (record.outcome === 'missed' || record.outcome === 'cancelled');
  return (
    <span className={`call-record${missed ? ' missed' : ''}${record.outcome === 'failed' ? ' failed' : ''}`} data-outcome={record.outcome} data-call-id={record.callId}>
      <CallRecordIcon video={record.video} outgoing={outgoing} />
      <span>{callText(record, meId, t)}</span>
    </span>
  );
}
