const HUES = [250, 200, 160, 25, 330, 280, 190, 45, 10, 140];

/** Initials on a colour that stays the same for a person everywhere. */
export function Avatar({ id, name, size = 40, online }: { id: string; name: string; size?: number; online?: boolean }) {
  let hash = 0;
  for (const ch of id) hash = (hash * 31 + ch.charCodeAt(0)) | 0;
  const hue = HUES[Math.abs(hash) % HUES.length]!;
  const initials =
    name
      .split(/\s+/)
      .filter(Boolean)
      .slice(0, 2)
      .map((w) => w[0]!.toUpperCase())
      .join('') || '?';
  return (
    <span
      className="avatar"
      aria-hidden="true"
      style={{ width: size, height: size, fontSize: size * 0.38, background: `linear-gradient(135deg, hsl(${hue} 70% 62%), hsl(${hue + 25} 65% 48%))` }}
    >
      {initials}
      {online !== undefined && <span className={online ? 'presence online' : 'presence'} />}
    </span>
  );
}
