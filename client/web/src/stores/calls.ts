import { create } from 'zustand';
import type { CallInfo, CallQuality, IncomingCall, ParleyClient, RemoteMediaState } from '@parley/client/sdk';

/** Why a call could not start or had to change (a refused camera, no microphone, a refused step). */
export interface CallProblem {
  code: string;
  message: string;
  /** A video call refused for its camera may be placed again as voice. */
  retryVoice?: { conversationId: string } | undefined;
}

interface CallsStore {
  /** The call in progress on this device (its state moves outgoing → connecting → active → ended). */
  current: CallInfo | null;
  /** Calls ringing on this device, oldest first. */
  incoming: IncomingCall[];
  /** The callee's device rings (an outgoing call past "Calling…"). */
  ringing: boolean;
  local: MediaStream | null;
  remote: MediaStream | null;
  /** The other side's toggles, as `callMedia` told. */
  remoteMedia: RemoteMediaState;
  muted: boolean;
  cameraOff: boolean;
  quality: CallQuality | null;
  /** When the media first flowed; the timer counts from here. */
  connectedAt: number | null;
  /** The full call view, or the minimised bar (another conversation is open, or the user minimised it). */
  expanded: boolean;
  problem: CallProblem | null;
}

const idle = {
  current: null,
  ringing: false,
  local: null,
  remote: null,
  remoteMedia: { muted: false, cameraOff: false },
  muted: false,
  cameraOff: false,
  quality: null,
  connectedAt: null,
  expanded: true,
} satisfies Partial<CallsStore>;

export const useCalls = create<CallsStore>(() => ({ ...idle, incoming: [], problem: null }));

/** Feeds the store from the SDK's calls events (docs/sdk.md, "Calls"); returns the teardown. */
export function bindCalls(client: ParleyClient): () => void {
  const { calls } = client;
  const dropIncoming = (id: string) => useCalls.setState((s) => ({ incoming: s.incoming.filter((c) => c.id !== id) }));
  const offs = [
    calls.on('incoming', (call) => useCalls.setState((s) => ({ incoming: [...s.incoming.filter((c) => c.id !== call.id), call] }))),
    calls.on('ringing', () => useCalls.setState({ ringing: true })),
    calls.on('state', (state, info) => {
      if (state === 'ended') return;
      useCalls.setState((s) => ({
        current: info,
        connectedAt: state === 'active' ? (s.connectedAt ?? Date.now()) : s.connectedAt,
        // A new call opens in full.
        expanded: s.current?.id === info.id ? s.expanded : true,
      }));
    }),
    calls.on('localStream', (local) => useCalls.setState({ local })),
    calls.on('remoteStream', (remote) => useCalls.setState({ remote })),
    calls.on('remoteMedia', (remoteMedia) => useCalls.setState({ remoteMedia })),
    calls.on('quality', (quality) => useCalls.setState({ quality })),
    calls.on('ended', (end) => {
      dropIncoming(end.callId);
      if (useCalls.getState().current?.id !== end.callId) return;
      // A refused step already said why (the error event, just before); else a failure or a busy callee is worth a word.
      const why = end.reason === 'failed' ? 'CALL_FAILED' : end.reason === 'busy' ? 'BUSY' : null;
      useCalls.setState((s) => ({ ...idle, problem: s.problem ?? (why ? { code: why, message: '' } : null) }));
    }),
    calls.on('error', (error) => {
      // A refused step of a ringing call (it ended meanwhile) is not worth a message; one of the call in progress is.
      if (useCalls.getState().current) useCalls.setState({ problem: { code: error.code, message: error.message } });
    }),
  ];
  return () => {
    for (const off of offs) off();
    useCalls.setState({ ...idle, incoming: [], problem: null });
  };
}

export const useInCall = () => useCalls((s) => s.current !== null);
