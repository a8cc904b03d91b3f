import { describe, expect, it } from 'vitest';
import { clientId } from '@parley/schema';
import { uuidv7 } from './ids.ts';

describe('uuidv7', () => {
  it('is a valid client id, version 7, and sorts by time', () => {
    const a = uuidv7(1_700_000_000_000);
    const b = uuidv7(1_700_000_000_001);
    expect(clientId.safeParse(a).success).toBe(true);
    expect(a[14]).toBe('7');
    expect(['8', '9', 'a', 'b']).toContain(a[19]);
    expect(a < b).toBe(true);
    expect(new Set(Array.from({ length: 1000 }, () => uuidv7())).size).toBe(1000);
  });
});
