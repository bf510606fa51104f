import { useTranslation } from 'react-i18next';
import { LANGUAGES, setLanguage } from '../../i18n';

export function LanguageSwitch() {
  const { t, i18n } = useTranslation();
  return (
    <label className="lang">
      <span className="sr-only">{t('nav.language')}</span>
      <select aria-label={t('nav.language')} value={i18n.language} onChange={(e) => setLanguage(e.target.value)}>
        {LANGUAGES.map((l) => (
          <option key={l.code} value={l.code}>
            {l.label}
          </option>
        ))}
      </select>
    </label>
  );
}
