/** The part of BroadcastChannel the SDK uses, so tests and Node programs inject their own. */
export interface BroadcastChannelLike {
  postMessage(data: unknown): void;
  close(): void;
  onmessage: ((event: { data: unknown }) => void) | null;
}

export type BroadcastChannelFactory = (name: string) => BroadcastChannelLike;

/**
 * An in-process stand-in for BroadcastChannel: channels made by one hub with the
 * same name hear each other (never themselves), asynchronously, with structured clone.
 */
export function memoryBroadcastHub(): BroadcastChannelFactory & { down: boolean } {
  const channels = new Map<string, Set<BroadcastChannelLike>>();
  const factory = ((name: string) => {
    const peers = channels.get(name) ?? new Set<BroadcastChannelLike>();
    channels.set(name, peers);
    const channel: BroadcastChannelLike = {
      onmessage: null,
      postMessage(data) {
        if (factory.down) return;
        const copy = structuredClone(data);
        for (const peer of peers) {
          if (peer === channel) continue;
          queueMicrotask(() => peer.onmessage?.({ data: copy }));
        }
      },
      close() {
        peers.delete(channel);
      },
    };
    peers.add(channel);
    return channel;
  }) as BroadcastChannelFactory & { down: boolean };
  factory.down = false;
  return factory;
}
