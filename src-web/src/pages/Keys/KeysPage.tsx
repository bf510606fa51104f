import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorBanner } from '../../components/common/ErrorBanner';
import { Loading } from '../../components/common/Loading';
import { CreateKeyDialog } from '../../components/keys/CreateKeyDialog';
import { KeysTable } from '../../components/keys/KeysTable';
import { useDeleteKey, useKeys, useUpdateKey } from '../../hooks/useKeys';

export function KeysPage() {
  const { t } = useTranslation();
  const keys = useKeys();
  const update = useUpdateKey();
  const del = useDeleteKey();
  const [creating, setCreating] = useState(false);
  return (
    <section className="page">
      <header className="page-head">
        <h1>{t('nav.keys')}</h1>
        <button type="button" className="btn btn-primary" onClick={() => setCreating(true)}>
          {t('keys.create')}
        </button>
      </header>
      <p className="muted">{t('keys.intro')}</p>
      <ErrorBanner error={keys.error} onRetry={() => void keys.refetch()} />
      <ErrorBanner error={update.error ?? del.error} />
      {keys.isLoading ? (
        <Loading />
      ) : (
        keys.data && (
          <KeysTable
            keys={keys.data.keys}
            onToggle={(k) => update.mutate({ id: k.id, input: { enabled: !k.enabled } })}
            onDelete={(k) => window.confirm(t('keys.confirmDelete', { name: k.name })) && del.mutate(k.id)}
          />
        )
      )}
      {creating && <CreateKeyDialog onClose={() => setCreating(false)} />}
    </section>
  );
}
