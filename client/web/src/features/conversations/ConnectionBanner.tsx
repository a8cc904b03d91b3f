import { useTranslation } from 'react-i18next';
import { useConnection } from '../../stores/connection.ts';

/**
 * Says when the live connection is down (what is shown may be stale, sends wait),
 * and "back online" for a moment after. The SDK's connectivity (SDK-C12) follows
 * the device's network signal too, so "offline" shows at once, before any socket
 * times out.
 */
export function ConnectionBanner() {
  const { t } = useTranslation();
  const connectivity = useConnection((s) => s.connectivity);
  if (connectivity === 'online') return null;
  const kind = connectivity === 'backOnline' ? 'back' : connectivity;
  return (
    <div className={`connection ${kind}`} role="status">
      <span className="connection-dot" />
      {t(`connection.${kind}`)}
    </div>
  );
}
