import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { LIMITS, type User } from '@parley/schema';
import { useClient } from '../../client/ClientContext.tsx';
import { displayName } from '../../hooks/useNames.ts';
import { selectConversation } from '../../stores/ui.ts';
import { AvatarPicker, setGroupAvatar } from '../media/AvatarPicker.tsx';
import { PeopleToAdd } from './PeopleToAdd.tsx';
import { usePeopleSearch } from './usePeopleSearch.ts';

/** A group: a name and the people in it, found by username. */
export function NewGroup({ onDone }: { onDone: () => void }) {
  const { t } = useTranslation();
  const client = useClient();
  const [title, setTitle] = useState('');
  const [picked, setPicked] = useState<User[]>([]);
  const [query, setQuery] = useState('');
  const { results } = usePeopleSearch(query);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [avatar, setAvatar] = useState<File | null>(null);

  async function create(e: FormEvent) {
    e.preventDefault();
    if (!title.trim() || picked.length === 0) return setError(t('group.needTitle'));
    setBusy(true);
    try {
      const group = await client.createGroup(
        title.trim(),
        picked.map((u) => u.id),
      );
      // The picture goes up once the group exists: uploads belong to a conversation its uploader is in.
      if (avatar) await setGroupAvatar(client, group.id, avatar).catch((err: unknown) => window.alert(t('media.avatarFailed', { reason: err instanceof Error ? err.message : String(err) })));
      selectConversation(group.id);
      onDone();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
      setBusy(false);
    }
  }

  return (
    <form className="new-group" onSubmit={(e) => void create(e)}>
      <AvatarPicker file={avatar} onChange={setAvatar} />
      <label className="field">
        {t('group.title')}
        <input autoFocus maxLength={LIMITS.titleMaxLength} value={title} onChange={(e) => setTitle(e.target.value)} />
      </label>
      <div className="chips" aria-label={t('group.selected', { count: picked.length })}>
        {picked.map((u) => (
          <button type="button" key={u.id} className="chip" aria-label={t('group.unselect', { name: displayName(u) })} onClick={() => setPicked((p) => p.filter((x) => x.id !== u.id))}>
            {displayName(u)} ✕
          </button>
        ))}
      </div>
      <div className="search">
        <input type="search" placeholder={t('people.find')} aria-label={t('people.find')} value={query} onChange={(e) => setQuery(e.target.value)} />
      </div>
      <PeopleToAdd people={results} exclude={(id) => picked.some((p) => p.id === id)} onPick={(u) => setPicked((p) => [...p, u])} />
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <div className="form-actions">
        <button type="button" className="link" onClick={onDone}>
          {t('people.cancel')}
        </button>
        <button type="submit" className="primary" disabled={busy}>
          {t('group.create')}
        </button>
      </div>
    </form>
  );
}
