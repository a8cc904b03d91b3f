import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { memoryBroadcastHub } from './channel.ts';
import { TabHub } from './TabRelay.ts';

const settle = () => new Promise((r) => setTimeout(r, 10));

describe('SDK-T1–SDK-T2: tab relay', () => {
  it('SDK-T1: live changes reach the other tab', async () => {
    const bc = memoryBroadcastHub();
    const a = new Y.Doc();
    const b = new Y.Doc();
    new TabHub(bc('u')).add('user:1', a);
    new TabHub(bc('u')).add('user:1', b);
    a.getArray('outbox').push(['x']);
    await settle();
    expect(b.getArray('outbox').toArray()).toEqual(['x']);
  });

  it('SDK-T2: a late tab catches up both ways (state vector exchange)', async () => {
    const bc = memoryBroadcastHub();
    const a = new Y.Doc();
    a.getArray('outbox').push(['from-a']);
    new TabHub(bc('u')).add('user:1', a);
    await settle();
    const b = new Y.Doc();
    b.getArray('outbox').push(['from-b']);
    new TabHub(bc('u')).add('user:1', b);
    await settle();
    expect(a.getArray('outbox').length).toBe(2);
    expect(b.getArray('outbox').length).toBe(2);
  });

  it('ignores other documents and, after an epoch reset, tabs on an older epoch', async () => {
    const bc = memoryBroadcastHub();
    const a = new Y.Doc();
    const b = new Y.Doc();
    const hubA = new TabHub(bc('u'));
    hubA.add('conversation:1', a, () => 1);
    const hubB = new TabHub(bc('u'));
    hubB.add('conversation:1', b, () => 2);
    hubB.setMinEpoch('conversation:1', 2);
    await settle();
    a.getArray('messages').push(['old']);
    await settle();
    expect(b.getArray('messages').length).toBe(0);
  });
});
