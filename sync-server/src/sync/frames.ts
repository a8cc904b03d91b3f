import * as decoding from 'lib0/decoding';

/** Hocuspocus message types (its MessageType) and the Yjs sync steps the guard tells apart. */
export const FRAME = { sync: 0, awareness: 1, syncReply: 4 } as const;
export const SYNC_STEP = { step1: 0, step2: 1, update: 2 } as const;

export interface FrameHead {
  type: number;
  /** The sync step, for sync frames. */
  step: number | null;
  /** The length of the frame's payload (the Yjs update or awareness update), read from its prefix. */
  payloadBytes: number;
  /** Where the payload starts in the frame. */
  payloadOffset: number;
}

/**
 * Reads a frame's head without decoding its payload: the bounds are checked on
 * lengths before any Yjs or lib0 decoding of what a client sent (rule B5).
 * Null for a frame it cannot read; Hocuspocus refuses those itself.
 */
export function frameHead(frame: Uint8Array): FrameHead | null {
  try {
    const decoder = decoding.createDecoder(frame);
    decoding.readVarString(decoder);
    const type = decoding.readVarUint(decoder);
    let step: number | null = null;
    if (type === FRAME.sync || type === FRAME.syncReply) step = decoding.readVarUint(decoder);
    else if (type !== FRAME.awareness) return { type, step, payloadBytes: 0, payloadOffset: decoder.pos };
    const payloadBytes = decoding.hasContent(decoder) ? decoding.readVarUint(decoder) : 0;
    return { type, step, payloadBytes, payloadOffset: decoder.pos };
  } catch {
    return null;
  }
}

/** A token bucket: `burst` at once, then one per `intervalMs`. */
export class Bucket {
  private tokens: number;
  private at: number;

  constructor(private readonly burst: number, private readonly intervalMs: number, now = Date.now()) {
    this.tokens = burst;
    this.at = now;
  }

  take(now = Date.now()): boolean {
    this.tokens = Math.min(this.burst, this.tokens + (now - this.at) / this.intervalMs);
    this.at = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
