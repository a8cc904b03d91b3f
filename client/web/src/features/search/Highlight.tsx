/** `text` with every occurrence of each term wrapped in <mark> (case-insensitive, any script: CJK has no word boundaries). */
export function Highlight({ text, terms }: { text: string; terms: string[] }) {
  const wanted = terms.filter(Boolean).map((t) => t.toLowerCase());
  if (wanted.length === 0) return <>{text}</>;
  const lower = text.toLowerCase();
  const parts: Array<{ s: string; hit: boolean }> = [];
  let i = 0;
  while (i < text.length) {
    let best = -1;
    let len = 0;
    for (const term of wanted) {
      const at = lower.indexOf(term, i);
      if (at !== -1 && (best === -1 || at < best || (at === best && term.length > len))) {
        best = at;
        len = term.length;
      }
    }
    if (best === -1) {
      parts.push({ s: text.slice(i), hit: false });
      break;
    }
    if (best > i) parts.push({ s: text.slice(i, best), hit: false });
    parts.push({ s: text.slice(best, best + len), hit: true });
    i = best + len;
  }
  return <>{parts.map((p, k) => (p.hit ? <mark key={k}>{p.s}</mark> : <span key={k}>{p.s}</span>))}</>;
}

export const searchTerms = (q: string) => q.trim().split(/\s+/).filter(Boolean);

/** A window of the text around the first hit, so the hit is visible in one line. */
export function around(text: string, terms: string[], width = 60): string {
  const lower = text.toLowerCase();
  const at = Math.min(...terms.map((t) => lower.indexOf(t.toLowerCase())).filter((i) => i >= 0), text.length);
  if (at < width / 2 || at === text.length) return text;
  return `…${text.slice(at - Math.floor(width / 3))}`;
}
