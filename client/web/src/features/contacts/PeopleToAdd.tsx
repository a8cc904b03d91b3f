import { useTranslation } from 'react-i18next';
import type { User } from '@parley/schema';
import { displayName } from '../../hooks/useNames.ts';
import { Avatar } from '../../ui/Avatar.tsx';

/** Search results to add to a group (a new one, or one in its details), without those already in it. */
export function PeopleToAdd({ people, exclude, onPick }: { people: readonly User[] | null; exclude: (id: string) => boolean; onPick: (user: User) => void }) {
  const { t } = useTranslation();
  return (
    <ul className="people">
      {(people ?? [])
        .filter((u) => !exclude(u.id))
        .map((u) => (
          <li key={u.id}>
            <button type="button" className="person" data-username={u.username} aria-label={t('group.add', { name: displayName(u) })} onClick={() => onPick(u)}>
              <Avatar id={u.id} name={displayName(u)} size={32} imageUrl={u.avatarUrl} />
              <span className="person-text">
                <strong>{displayName(u)}</strong>
                <span className="muted">@{u.username}</span>
              </span>
              <span className="person-action">+</span>
            </button>
          </li>
        ))}
    </ul>
  );
}
