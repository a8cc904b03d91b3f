import * as Y from 'yjs';

/**
 * Rule B5: a user document's size quota. The size is estimated cheaply (the
 * encoded size at load plus every update since, an upper bound since deletions
 * only shrink it) and measured exactly only when the estimate says the quota
 * would be passed, so the check costs nothing per message below it.
 */
export class DocumentQuota {
  private readonly sizes = new WeakMap<Y.Doc, { bytes: number; exact: boolean }>();

  constructor(private readonly maxBytes: number) {}

  track(doc: Y.Doc) {
    this.sizes.set(doc, { bytes: Y.encodeStateAsUpdate(doc).byteLength, exact: true });
    doc.on('update', (update: Uint8Array) => {
      const size = this.sizes.get(doc);
      if (size) this.sizes.set(doc, { bytes: size.bytes + update.byteLength, exact: false });
    });
  }

  /** Whether `incoming` more bytes keep the document within its quota. */
  admits(doc: Y.Doc, incoming: number): boolean {
    let size = this.sizes.get(doc);
    if (!size) return true;
    if (size.bytes + incoming <= this.maxBytes) return true;
    // Measured already and nothing changed since: still over.
    if (size.exact) return false;
    size = { bytes: Y.encodeStateAsUpdate(doc).byteLength, exact: true };
    this.sizes.set(doc, size);
    return size.bytes + incoming <= this.maxBytes;
  }
}

/**
 * The first root key an update writes that is not in `allowed`, or null. A new
 * root type is named by its first item (one without an origin), so every
 * update that creates one names it; later items point at their neighbours.
 * Throws on an update it cannot decode (a caller refuses the frame).
 */
export function foreignRootKey(update: Uint8Array, allowed: ReadonlySet<string>): string | null {
  const { structs } = Y.decodeUpdate(update);
  for (const struct of structs) {
    if (struct instanceof Y.Item && typeof struct.parent === 'string' && !allowed.has(struct.parent)) return struct.parent;
  }
  return null;
}
