import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { EMOJI } from './emoji.ts';

/** A grid of emoji; Escape or a click outside closes it. */
export function EmojiPicker({ onPick, onClose, choices = EMOJI }: { onPick: (emoji: string) => void; onClose: () => void; choices?: readonly string[] }) {
  const { t } = useTranslation();
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const onDown = (e: MouseEvent) => ref.current && !ref.current.contains(e.target as Node) && onClose();
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    document.addEventListener('mousedown', onDown);
    document.addEventListener('keydown', onKey);
    ref.current?.querySelector('button')?.focus();
    return () => {
      document.removeEventListener('mousedown', onDown);
      document.removeEventListener('keydown', onKey);
    };
  }, [onClose]);
  return (
    <div className="emoji-picker" role="dialog" aria-label={t('composer.emoji')} ref={ref}>
      {choices.map((e) => (
        <button type="button" key={e} aria-label={e} onClick={() => onPick(e)}>
          {e}
        </button>
      ))}
    </div>
  );
}
