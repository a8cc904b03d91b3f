import { useTranslation } from 'react-i18next';
import { LANGUAGES } from '../../i18n/index.ts';
import { setLanguage, useSettings } from '../../stores/settings.ts';

const NATIVE: Record<(typeof LANGUAGES)[number], string> = { en: 'English', 'zh-CN': '简体中文' };

/** Each language named in itself, so a reader who cannot read the current one still finds theirs. */
export function LanguageSwitch() {
  const { t } = useTranslation();
  const language = useSettings((s) => s.language);
  return (
    <select className="language-switch" aria-label={t('settings.language')} value={language} onChange={(e) => setLanguage(e.target.value as (typeof LANGUAGES)[number])}>
      {LANGUAGES.map((l) => (
        <option key={l} value={l}>
          {NATIVE[l]}
        </option>
      ))}
    </select>
  );
}
