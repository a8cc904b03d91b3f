/** How a chat app shows times: today as 14:05, this week as Tue, older as 3 Mar. */
export function shortTime(at: number, now = Date.now()): string {
  const date = new Date(at);
  const today = new Date(now);
  if (date.toDateString() === today.toDateString()) return clock(date);
  const days = (startOfDay(today) - startOfDay(date)) / 86_400_000;
  if (days === 1) return 'Yesterday';
  if (days > 0 && days < 7) return date.toLocaleDateString(undefined, { weekday: 'short' });
  return date.toLocaleDateString(undefined, { day: 'numeric', month: 'short', ...(date.getFullYear() === today.getFullYear() ? {} : { year: 'numeric' }) });
}

export function clock(date: Date | number): string {
  return new Date(date).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}

/** The heading above the first message of a day. */
export function dayLabel(at: number, now = Date.now()): string {
  const days = (startOfDay(new Date(now)) - startOfDay(new Date(at))) / 86_400_000;
  if (days === 0) return 'Today';
  if (days === 1) return 'Yesterday';
  return new Date(at).toLocaleDateString(undefined, { weekday: 'long', day: 'numeric', month: 'long' });
}

export function sameDay(a: number, b: number): boolean {
  return new Date(a).toDateString() === new Date(b).toDateString();
}

function startOfDay(date: Date): number {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime();
}
