import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useConnection } from '../../stores/connection.ts';

/**
 * Says when the live connection is down (what is shown may be stale, sends wait),
 * and "back online" for a moment after. The browser's offline event shows it at
 * once, before the socket's heartbeat notices.
 */
export function ConnectionBanner() {
  const { t } = useTranslation();
  const { state, browserOnline } = useConnection();
  const down = !browserOnline || state !== 'connected';
  const wasDown = useRef(false);
  // "Back online" only after a drop of a connection that had been up, not after the first connect.
  const everUp = useRef(false);
  const [back, setBack] = useState(false);
  useEffect(() => {
    if (down) {
      if (everUp.current) wasDown.current = true;
      setBack(false);
      return;
    }
    everUp.current = true;
    if (!wasDown.current) return;
    wasDown.current = false;
    setBack(true);
    const timer = setTimeout(() => setBack(false), 3000);
    return () => clearTimeout(timer);
  }, [down, state]);

  if (!down && !back) return null;
  const kind = back ? 'back' : !browserOnline ? 'offline' : state === 'connected' ? 'connecting' : state === 'disconnected' ? 'offline' : state;
  return (
    <div className={`connection ${kind}`} role="status">
      <span className="connection-dot" />
      {t(`connection.${kind}`)}
    </div>
  );
}
