import type { TFunction } from 'i18next';
import type { CallRecord } from '@parley/schema';

/** 3:12, or 1:02:05 past an hour. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const [h, m, s] = [Math.floor(total / 3600), Math.floor((total % 3600) / 60), total % 60];
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}

/**
 * A finished call as one line, from this user's side: the caller reads
 * "Cancelled video call" where the callee reads "Missed video call".
 */
export function callText(record: CallRecord, meId: string, t: TFunction): string {
  const kind = record.video ? 'video' : 'voice';
  const mine = record.callerId === meId;
  switch (record.outcome) {
    case 'completed':
      return t(`calls.record.completed.${kind}`, { duration: formatDuration(record.durationMs ?? 0) });
    case 'missed':
      return t(mine ? `calls.record.noAnswer.${kind}` : `calls.record.missed.${kind}`);
    case 'declined':
      return t(mine ? `calls.record.declinedByPeer.${kind}` : `calls.record.declined.${kind}`);
    case 'cancelled':
      return t(mine ? `calls.record.cancelled.${kind}` : `calls.record.missed.${kind}`);
    case 'failed':
      return t('calls.record.failed');
  }
}
