import { issueCallCredentials } from '../calls/credentials.ts';
import type { Route } from './router.ts';

/** `POST /api/calls/credentials` (CONTRACT.md, "Calls"): a peer id, its token and the ICE servers. */
export function callRoutes(): Route[] {
  return [
    {
      method: 'POST',
      path: '/calls/credentials',
      handler: async (ctx) => ({ status: 200, body: await issueCallCredentials(ctx.services.config, ctx.userId) }),
    },
  ];
}
