import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ParleyClient } from '@parley/client/sdk';
import { bindClient, createClient } from '../client/createClient.ts';
import { ClientContext } from '../client/ClientContext.tsx';
import { useConversations, useConversationView } from '../stores/conversations.ts';
import { bindCalls } from '../stores/calls.ts';
import { useSession } from '../stores/session.ts';
import { useUi } from '../stores/ui.ts';
import { CallLayer } from './calls/CallLayer.tsx';
import { ConversationList } from './conversations/ConversationList.tsx';
import { DetailsPane } from './details/DetailsPane.tsx';
import { MessagePane } from './messages/MessagePane.tsx';
import { useDesktopNotifications } from './notifications/useDesktopNotifications.ts';
import { useTitleBadge } from './notifications/useTitleBadge.ts';

/** The three panes: conversations, the open conversation, its details; all fed by one SDK client. */
export function ChatShell() {
  const [client, setClient] = useState<ParleyClient | null>(null);

  useEffect(() => {
    const session = useSession.getState().session;
    if (!session) return;
    const c = createClient(session);
    const unbind = bindClient(c);
    const unbindCalls = bindCalls(c);
    setClient(c);
    return () => (unbindCalls(), unbind());
  }, []);

  if (!client) return null;
  return (
    <ClientContext.Provider value={client}>
      <CallLayer>
        <Shell />
      </CallLayer>
    </ClientContext.Provider>
  );
}

function Shell() {
  const { t } = useTranslation();
  useTitleBadge();
  useDesktopNotifications();
  const selectedId = useUi((s) => s.selectedId);
  const showDetails = useUi((s) => s.showDetails);
  const sheet = useUi((s) => s.detailsSheet);
  const selected = useConversationView(selectedId);
  const count = useConversations((s) => s.list?.length ?? 0);

  return (
    <div className={`shell${selected ? ' has-selection' : ''}${showDetails ? '' : ' no-details'}${sheet ? ' details-sheet' : ''}`}>
      <ConversationList />
      {selected ? (
        <MessagePane key={`messages-${selected.id}`} conversation={selected} />
      ) : (
        <section className="pane messages empty-state">
          <div>
            <div className="empty-illustration" aria-hidden="true">
              <svg viewBox="0 0 24 24" width="44" height="44">
                <path d="M5 5h14a2 2 0 0 1 2 2v8a2 2 0 0 1-2 2h-7l-4.5 3.5V17H5a2 2 0 0 1-2-2V7a2 2 0 0 1 2-2z" fill="currentColor" />
                <path d="M8 10h8M8 13h5" stroke="#fff" strokeWidth="1.6" strokeLinecap="round" />
              </svg>
            </div>
            <h2>{count ? t('pane.pickTitle') : t('pane.helloTitle')}</h2>
            <p className="muted">{count ? t('pane.pickLead') : t('pane.helloLead')}</p>
          </div>
        </section>
      )}
      {selected && (showDetails || sheet) && <DetailsPane key={`details-${selected.id}`} conversation={selected} />}
    </div>
  );
}
