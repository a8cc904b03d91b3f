/**
 * Copies of one message meet: from several server instances appending to a
 * window, from history pages, from the device cache. Of two copies the higher
 * version wins (rules D2, SDK-M1); array position and arrival order mean nothing.
 */
export function highestVersions<T extends { id: string }>(
  copies: Iterable<T>,
  versionOf: (copy: T) => number,
  into: Map<string, T> = new Map(),
): Map<string, T> {
  for (const copy of copies) {
    const seen = into.get(copy.id);
    if (!seen || versionOf(copy) > versionOf(seen)) into.set(copy.id, copy);
  }
  return into;
}
