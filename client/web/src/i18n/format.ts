import { i18n } from './index.ts';

/** Dates and times in the UI language: "6:05 PM" in en (no zero padding), "18:05" in zh-CN. */
const locale = () => i18n.language || 'en';

/** How a chat app shows times: today as a clock time, this week as a weekday, older as a date. */
export function shortTime(at: number, now = Date.now()): string {
  const date = new Date(at);
  const today = new Date(now);
  if (date.toDateString() === today.toDateString()) return clock(date);
  const days = (startOfDay(today) - startOfDay(date)) / 86_400_000;
  if (days === 1) return i18n.t('time.yesterday');
  if (days > 0 && days < 7) return date.toLocaleDateString(locale(), { weekday: 'short' });
  return date.toLocaleDateString(locale(), { day: 'numeric', month: 'short', ...(date.getFullYear() === today.getFullYear() ? {} : { year: 'numeric' }) });
}

export function clock(date: Date | number): string {
  return new Date(date).toLocaleTimeString(locale(), { hour: 'numeric', minute: '2-digit' });
}

/** The heading above the first message of a day. */
export function dayLabel(at: number, now = Date.now()): string {
  const days = (startOfDay(new Date(now)) - startOfDay(new Date(at))) / 86_400_000;
  if (days === 0) return i18n.t('time.today');
  if (days === 1) return i18n.t('time.yesterday');
  const date = new Date(at);
  return date.toLocaleDateString(locale(), { weekday: 'long', day: 'numeric', month: 'long', ...(date.getFullYear() === new Date(now).getFullYear() ? {} : { year: 'numeric' }) });
}

export function fullTime(at: number): string {
  return new Date(at).toLocaleString(locale(), { dateStyle: 'medium', timeStyle: 'short' });
}

export function sameDay(a: number, b: number): boolean {
  return new Date(a).toDateString() === new Date(b).toDateString();
}

function startOfDay(date: Date): number {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime();
}
