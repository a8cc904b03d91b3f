import { useEffect, type ReactNode } from 'react';
import { useCalls } from '../../stores/calls.ts';
import { useUi } from '../../stores/ui.ts';
import { CallBar } from './CallBar.tsx';
import { CallProblemNotice } from './CallProblemNotice.tsx';
import { CallView } from './CallView.tsx';
import { IncomingCallDialog } from './IncomingCallDialog.tsx';

/**
 * Calls over the chat: the minimised bar above it, the full call view over
 * it, and the incoming-call dialog. Opening another conversation minimises
 * the call; the bar brings it back.
 */
export function CallLayer({ children }: { children: ReactNode }) {
  const current = useCalls((s) => s.current);
  const expanded = useCalls((s) => s.expanded);
  const ringing = useCalls((s) => s.incoming[0] ?? null);
  const problem = useCalls((s) => s.problem);

  useEffect(
    () =>
      useUi.subscribe((ui, prior) => {
        const call = useCalls.getState().current;
        if (call && ui.selectedId !== prior.selectedId && ui.selectedId !== call.conversationId) useCalls.setState({ expanded: false });
      }),
    [],
  );

  const bar = current && !expanded;
  return (
    <div className={`app-frame${bar ? ' with-call-bar' : ''}`}>
      {bar && <CallBar call={current} />}
      {children}
      {current && expanded && <CallView call={current} />}
      {ringing && !current && <IncomingCallDialog key={ringing.id} call={ringing} />}
      {problem && <CallProblemNotice problem={problem} />}
    </div>
  );
}
