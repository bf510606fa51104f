import { useTranslation } from 'react-i18next';
import { ErrorBanner } from '../../components/common/ErrorBanner';
import { Loading } from '../../components/common/Loading';
import { SettingsForm } from '../../components/settings/SettingsForm';
import { useSaveSettings, useSettings } from '../../hooks/useSettings';

export function SettingsPage() {
  const { t } = useTranslation();
  const settings = useSettings();
  const save = useSaveSettings();
  return (
    <section className="page">
      <header className="page-head">
        <h1>{t('nav.settings')}</h1>
      </header>
      <p className="muted">{t('settings.intro')}</p>
      <ErrorBanner error={settings.error} onRetry={() => void settings.refetch()} />
      {settings.isLoading && <Loading />}
      {settings.data && (
        <SettingsForm
          key={JSON.stringify(settings.data.settings)}
          body={settings.data}
          onSave={(v) => save.mutate(v)}
          saving={save.isPending}
          error={save.error}
          saved={save.isSuccess}
        />
      )}
    </section>
  );
}
