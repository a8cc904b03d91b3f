import { create } from 'zustand';

export type SidebarView = 'chats' | 'contacts' | 'newChat' | 'newGroup';

interface UiStore {
  /** The open conversation; mirrored in the URL hash (#/c/<id>) so reload and back keep it. */
  selectedId: string | null;
  /** The details pane as a column on wide screens (on by default)… */
  showDetails: boolean;
  /** …and as a sheet over the chat on narrow ones (off until asked for). */
  detailsSheet: boolean;
  sidebar: SidebarView;
  /** A message to scroll to and flash once (reply quote, search hit). */
  focusMessage: { conversationId: string; messageId: string; seq: number } | null;
}

const hashId = () => /^#\/c\/([^/?]+)/.exec(location.hash)?.[1] ?? null;

export const useUi = create<UiStore>(() => ({
  selectedId: hashId(),
  showDetails: true,
  detailsSheet: false,
  sidebar: 'chats',
  focusMessage: null,
}));

export function selectConversation(id: string | null): void {
  const hash = id ? `#/c/${id}` : '';
  if (location.hash !== hash) history.pushState(null, '', hash || location.pathname + location.search);
  useUi.setState({ selectedId: id, detailsSheet: false });
}

const narrow = () => window.matchMedia?.('(max-width: 1100px)').matches ?? false;

export function toggleDetails(): void {
  useUi.setState((s) => (narrow() ? { detailsSheet: !s.detailsSheet } : { showDetails: !s.showDetails }));
}

export function closeDetails(): void {
  useUi.setState(narrow() ? { detailsSheet: false } : { showDetails: false });
}

window.addEventListener('popstate', () => useUi.setState({ selectedId: hashId() }));
window.addEventListener('hashchange', () => useUi.setState({ selectedId: hashId() }));
