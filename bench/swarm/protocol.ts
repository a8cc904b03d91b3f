/** Messages between bench/swarm/swarm.ts and its worker processes. */

export interface SwarmUser {
  id: string;
  token: string;
  /** Conversations this user opens (Parley) or whose room it joins (relay). */
  conversations: string[];
}

/** [offset ms from the start, sender index, conversation id, reader index] (indices within the worker). */
export type PlanEntry = [number, number, string, number];

export type ToWorker =
  | { op: 'setup'; kind: 'parley' | 'relay'; url: string; users: SwarmUser[] }
  | { op: 'connect'; indices?: number[]; parallel: number; fresh?: boolean; retries?: number }
  | { op: 'disconnect'; indices?: number[] }
  | { op: 'load'; plan: PlanEntry[]; delayMs: number; drainMs: number }
  | { op: 'backlog'; senders: number[]; plan: Array<[number, string, number]>; drainMs: number }
  | { op: 'exit' };

export type FromWorker =
  | { op: 'ready' }
  | { op: 'connected'; ms: number; failed: string[]; retried: number }
  | { op: 'disconnected' }
  | { op: 'loaded'; latencies: number[]; missing: number; lagMs: number; failed?: string[] }
  | { op: 'error'; message: string };
