import { create } from 'zustand';
import { i18n, detectLanguage, LANGUAGE_KEY, type Language } from '../i18n/index.ts';

interface SettingsStore {
  language: Language;
  /** Desktop notifications for messages that arrive while the tab is in the background. */
  notify: boolean;
  sound: boolean;
}

const NOTIFY_KEY = 'parley.notify';

function savedFlag(key: string, fallback: boolean): boolean {
  const v = localStorage.getItem(key);
  return v === null ? fallback : v === '1';
}

/** This browser's preferences (not synced: a phone and a desktop may want different ones). */
export const useSettings = create<SettingsStore>(() => ({
  language: detectLanguage(),
  notify: savedFlag(NOTIFY_KEY, true),
  sound: savedFlag(`${NOTIFY_KEY}.sound`, true),
}));

export function setLanguage(language: Language): void {
  localStorage.setItem(LANGUAGE_KEY, language);
  void i18n.changeLanguage(language);
  document.documentElement.lang = language;
  useSettings.setState({ language });
}

export function setNotify(notify: boolean, sound = useSettings.getState().sound): void {
  localStorage.setItem(NOTIFY_KEY, notify ? '1' : '0');
  localStorage.setItem(`${NOTIFY_KEY}.sound`, sound ? '1' : '0');
  useSettings.setState({ notify, sound });
}
