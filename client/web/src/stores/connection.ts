import { create } from 'zustand';
import type { ConnectionState } from '@parley/client/sdk';

interface ConnectionStore {
  /** The SDK's socket state (docs/sdk.md, "Connection states"). */
  state: ConnectionState;
  /** The browser's own view (`navigator.onLine`): known at once, before any socket times out. */
  browserOnline: boolean;
}

export const useConnection = create<ConnectionStore>(() => ({
  state: 'connecting',
  browserOnline: typeof navigator === 'undefined' ? true : navigator.onLine,
}));

/** Presence is only known while connected: offline it shows as unknown, not as a stale "online". */
export const usePresenceKnown = () => useConnection((s) => s.state === 'connected' && s.browserOnline);
