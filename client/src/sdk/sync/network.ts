import type { OnlineSignal } from '../uploads/types.ts';

/**
 * Whether the device has a network at all, as the platform reports it: the
 * browser's `navigator.onLine` and its `online`/`offline` events. The socket
 * alone notices a lost network only when its heartbeat times out; this signal
 * says so at once (rule SDK-C12). The same shape as the uploads' `online`
 * option, so one signal can feed both; Node programs and tests pass their own.
 */
export function browserOnlineSignal(): OnlineSignal | null {
  const g = globalThis as {
    navigator?: { onLine?: unknown };
    addEventListener?: (type: string, fn: () => void) => void;
    removeEventListener?: (type: string, fn: () => void) => void;
  };
  if (typeof g.navigator?.onLine !== 'boolean' || typeof g.addEventListener !== 'function' || typeof g.removeEventListener !== 'function') return null;
  const add = g.addEventListener.bind(globalThis);
  const remove = g.removeEventListener.bind(globalThis);
  return {
    isOnline: () => g.navigator?.onLine !== false,
    subscribe(fn) {
      const up = () => fn(true);
      const down = () => fn(false);
      add('online', up);
      add('offline', down);
      return () => {
        remove('online', up);
        remove('offline', down);
      };
    },
  };
}

/** A signal set by hand: tests, or an app with its own reachability check. */
export function manualOnlineSignal(initial = true): OnlineSignal & { set(online: boolean): void } {
  let online = initial;
  const listeners = new Set<(online: boolean) => void>();
  return {
    isOnline: () => online,
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    set(next) {
      if (next === online) return;
      online = next;
      for (const fn of [...listeners]) fn(next);
    },
  };
}
