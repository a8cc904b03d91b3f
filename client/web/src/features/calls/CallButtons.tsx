import { useTranslation } from 'react-i18next';
import type { ConversationView } from '@parley/client/sdk';
import { useClient } from '../../client/ClientContext.tsx';
import { useCalls } from '../../stores/calls.ts';
import { useConnection } from '../../stores/connection.ts';
import { IconButton } from '../../ui/IconButton.tsx';
import { startCall } from './actions.ts';
import { PhoneIcon, VideoIcon } from './icons.tsx';

/** Voice and video call buttons of a direct chat's header; disabled, with the reason, offline or during a call. */
export function CallButtons({ conversation }: { conversation: ConversationView }) {
  const { t } = useTranslation();
  const client = useClient();
  const online = useConnection((s) => s.connectivity === 'online' || s.connectivity === 'backOnline');
  const busy = useCalls((s) => s.current !== null);
  if (conversation.type !== 'direct' || conversation.status !== 'active') return null;
  const reason = busy ? t('calls.unavailable.inCall') : !online ? t('calls.unavailable.offline') : null;
  const button = (video: boolean) => {
    const label = video ? t('calls.videoCall') : t('calls.voiceCall');
    return (
      <IconButton label={label} title={reason ? `${label} — ${reason}` : label} aria-description={reason ?? undefined} disabled={!!reason} onClick={() => void startCall(client, conversation.id, video)}>
        {video ? <VideoIcon /> : <PhoneIcon />}
      </IconButton>
    );
  };
  return (
    <>
      {button(false)}
      {button(true)}
    </>
  );
}
