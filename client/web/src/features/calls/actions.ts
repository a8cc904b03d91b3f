import { ParleyError, type ParleyClient } from '@parley/client/sdk';
import { useCalls } from '../../stores/calls.ts';
import { selectConversation } from '../../stores/ui.ts';

/**
 * What the call controls do, through the SDK's calls part. A failure to start
 * (a refused camera or microphone, MEDIA_DENIED) leaves no call behind and a
 * problem the call UI explains; a video call may then be placed as voice.
 */
export async function startCall(client: ParleyClient, conversationId: string, video: boolean): Promise<void> {
  useCalls.setState({ problem: null, ringing: false });
  try {
    await client.calls.call(conversationId, { video });
  } catch (e) {
    failedToStart(e, video ? conversationId : null);
  }
}

export async function acceptCall(client: ParleyClient, callId: string, video: boolean): Promise<void> {
  const call = useCalls.getState().incoming.find((c) => c.id === callId);
  useCalls.setState((s) => ({ problem: null, incoming: s.incoming.filter((c) => c.id !== callId) }));
  if (call) selectConversation(call.conversationId);
  try {
    await client.calls.accept(callId, { video });
  } catch (e) {
    failedToStart(e, null);
  }
}

export function declineCall(client: ParleyClient, callId: string): void {
  useCalls.setState((s) => ({ incoming: s.incoming.filter((c) => c.id !== callId) }));
  client.calls.reject(callId);
}

export function hangUp(client: ParleyClient): void {
  client.calls.hangUp();
}

export function toggleMute(client: ParleyClient): void {
  const muted = !useCalls.getState().muted;
  client.calls.setMuted(muted);
  useCalls.setState({ muted });
}

export function toggleCamera(client: ParleyClient): void {
  const cameraOff = !useCalls.getState().cameraOff;
  client.calls.setCameraOff(cameraOff);
  useCalls.setState({ cameraOff });
}

/** Back to the full view, in the call's conversation. */
export function returnToCall(): void {
  const current = useCalls.getState().current;
  if (current) selectConversation(current.conversationId);
  useCalls.setState({ expanded: true });
}

function failedToStart(e: unknown, videoConversation: string | null): void {
  const error = e instanceof ParleyError ? e : new ParleyError('INTERNAL', e instanceof Error ? e.message : String(e));
  useCalls.setState({
    current: null,
    local: null,
    remote: null,
    connectedAt: null,
    problem: {
      code: error.code,
      message: error.message,
      retryVoice: error.code === 'MEDIA_DENIED' && videoConversation ? { conversationId: videoConversation } : undefined,
    },
  });
}
