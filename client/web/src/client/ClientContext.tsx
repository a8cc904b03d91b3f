import { createContext, useContext } from 'react';
import type { ParleyClient } from '@parley/client/sdk';

export const ClientContext = createContext<ParleyClient | null>(null);

/** The signed-in user's SDK client; only under the chat shell. */
export function useClient(): ParleyClient {
  const client = useContext(ClientContext);
  if (!client) throw new Error('useClient outside ClientContext');
  return client;
}
