import { Redis } from 'ioredis';
import type { Logger } from '../log.ts';

/**
 * Messages between sync-server instances: whose inbox to refresh, who came
 * online (docs/protocol.md, I1 and R1). Alone, a message goes straight to this
 * instance's handlers; with REDIS_URL, to every instance's.
 */
export interface Bus {
  readonly instance: string;
  publish(topic: string, payload: unknown): void;
  subscribe(topic: string, handler: Handler): void;
  close(): Promise<void>;
}

type Handler = (payload: any, from: string) => void;

/** Handlers by topic; a failing handler is logged and does not stop the others. */
class Handlers {
  private readonly byTopic = new Map<string, Handler[]>();
  constructor(private readonly log: Logger) {}

  add(topic: string, handler: Handler) {
    this.byTopic.set(topic, [...(this.byTopic.get(topic) ?? []), handler]);
  }

  deliver(topic: string, payload: unknown, from: string) {
    for (const handler of this.byTopic.get(topic) ?? []) {
      try {
        handler(payload, from);
      } catch (error) {
        this.log.error({ err: error, topic }, 'bus handler failed');
      }
    }
  }
}

export function localBus(instance: string, log: Logger): Bus {
  const handlers = new Handlers(log);
  return {
    instance,
    publish: (topic, payload) => handlers.deliver(topic, payload, instance),
    subscribe: (topic, handler) => handlers.add(topic, handler),
    async close() {},
  };
}

const CHANNEL = 'parley:bus';

export async function redisBus(url: string, instance: string, log: Logger): Promise<Bus> {
  const handlers = new Handlers(log);
  const pub = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3 });
  const sub = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3 });
  await Promise.all([pub.connect(), sub.connect()]);
  await sub.subscribe(CHANNEL);
  sub.on('message', (_channel: string, raw: string) => {
    let message: { topic?: unknown; payload?: unknown; from?: unknown };
    try {
      message = JSON.parse(raw);
    } catch {
      return;
    }
    // Our own messages were delivered here when published.
    if (typeof message.topic !== 'string' || typeof message.from !== 'string' || message.from === instance) return;
    handlers.deliver(message.topic, message.payload, message.from);
  });
  return {
    instance,
    publish(topic, payload) {
      handlers.deliver(topic, payload, instance);
      pub.publish(CHANNEL, JSON.stringify({ topic, payload, from: instance })).catch((error: unknown) => log.error({ err: error, topic }, 'bus publish failed'));
    },
    subscribe: (topic, handler) => handlers.add(topic, handler),
    async close() {
      await Promise.allSettled([sub.quit(), pub.quit()]);
    },
  };
}
