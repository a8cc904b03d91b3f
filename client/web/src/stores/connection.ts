import { create } from 'zustand';
import type { Connectivity } from '@parley/client/sdk';

interface ConnectionStore {
  /** The SDK's connectivity (docs/sdk.md, SDK-C12): the socket and the device's network signal together. */
  connectivity: Connectivity;
}

export const useConnection = create<ConnectionStore>(() => ({ connectivity: 'connecting' }));

/** Presence is only known while connected: offline it shows as unknown, not as a stale "online". */
export const usePresenceKnown = () => useConnection((s) => s.connectivity === 'online' || s.connectivity === 'backOnline');
