import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Account } from '../../api/accounts';
import { plainMessage } from '../../api/client';
import { AccountDetail } from '../../components/accounts/AccountDetail';
import { AccountsTable, type RowAction } from '../../components/accounts/AccountsTable';
import { AddAccountDialog } from '../../components/accounts/AddAccountDialog';
import { BatchBar, BatchProgress, type BatchChoice } from '../../components/accounts/BatchBar';
import { ErrorBanner } from '../../components/common/ErrorBanner';
import { Loading } from '../../components/common/Loading';
import { Modal } from '../../components/common/Modal';
import { Pager } from '../../components/common/Pager';
import { useAccountAction, useAccountsWithBoard, useAccountTest, useBatch } from '../../hooks/useAccounts';

const PAGE_SIZE = 50;

export function AccountsPage() {
  const { t } = useTranslation();
  const [page, setPage] = useState(1);
  const [search, setSearch] = useState('');
  const [filter, setFilter] = useState('');
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [adding, setAdding] = useState(false);
  const [openId, setOpenId] = useState<number | null>(null);
  const [testing, setTesting] = useState<Account | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const query = {
    page,
    page_size: PAGE_SIZE,
    search: search || undefined,
    enabled: filter === 'enabled' ? true : filter === 'disabled' ? false : undefined,
    state: filter === 'reauth_required' ? 'reauth_required' : undefined,
  };
  const { list, data } = useAccountsWithBoard(query);
  const action = useAccountAction();
  const batch = useBatch();
  const test = useAccountTest();

  const onAction = (a: Account, act: RowAction) => {
    setNotice(null);
    if (act === 'open') return setOpenId(a.id);
    if (act === 'test') {
      setTesting(a);
      return test.mutate(a.id);
    }
    if (act === 'delete' && !window.confirm(t('accounts.confirmDelete', { name: a.name }))) return;
    action.mutate(
      { id: a.id, action: act },
      { onSuccess: () => setNotice(t('accounts.done', { action: t(`accounts.action.${act}`), name: a.name })) },
    );
  };

  const runBatch = (c: BatchChoice) => {
    const ids = [...selected];
    if (c === 'delete' && !window.confirm(t('accounts.confirmBatchDelete', { count: ids.length }))) return;
    const kind = c === 'refresh' ? 'refresh' : c === 'delete' ? 'delete' : 'update';
    const patch = c === 'enable' ? { enabled: true } : c === 'disable' ? { enabled: false } : c === 'pause' ? { paused: true } : c === 'resume' ? { paused: false } : {};
    batch.mutate({ kind, ids, patch }, { onSuccess: () => c === 'delete' && setSelected(new Set()) });
  };

  const toggle = (id: number) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setSelected(next);
  };
  const toggleAll = (ids: number[], on: boolean) => setSelected(on ? new Set([...selected, ...ids]) : new Set([...selected].filter((i) => !ids.includes(i))));

  return (
    <section className="page">
      <header className="page-head">
        <h1>{t('nav.accounts')}</h1>
        <button type="button" className="btn btn-primary" onClick={() => setAdding(true)}>
          {t('accounts.add')}
        </button>
      </header>
      <div className="toolbar">
        <input className="search" placeholder={t('accounts.search')} value={search} onChange={(e) => { setSearch(e.target.value); setPage(1); }} />
        <select aria-label={t('accounts.filter')} value={filter} onChange={(e) => { setFilter(e.target.value); setPage(1); }}>
          <option value="">{t('accounts.filters.all')}</option>
          <option value="enabled">{t('accounts.filters.enabled')}</option>
          <option value="disabled">{t('accounts.filters.disabled')}</option>
          <option value="reauth_required">{t('accounts.filters.reauth')}</option>
        </select>
        <BatchBar count={selected.size} onRun={runBatch} busy={batch.isPending} />
      </div>
      <ErrorBanner error={list.error} onRetry={() => void list.refetch()} />
      <ErrorBanner error={action.error} />
      <ErrorBanner error={batch.error} />
      {notice && <div className="banner banner-ok">{notice}</div>}
      <BatchProgress events={batch.events} />
      {list.isLoading ? (
        <Loading />
      ) : (
        data && (
          <>
            <AccountsTable accounts={data.accounts} selected={selected} onToggle={toggle} onToggleAll={toggleAll} onAction={onAction} busyId={action.isPending ? action.variables?.id : null} />
            <Pager page={page} pageSize={PAGE_SIZE} total={data.total} onPage={setPage} />
          </>
        )
      )}
      {adding && <AddAccountDialog onClose={() => setAdding(false)} />}
      {openId !== null && <AccountDetail id={openId} onClose={() => setOpenId(null)} />}
      {testing && (
        <Modal title={t('accounts.testTitle', { name: testing.name })} onClose={() => setTesting(null)}>
          {test.isPending && <p className="muted">{t('common.working')}</p>}
          <pre className="code">{test.lines.join('')}</pre>
          {test.error ? <div className="banner banner-error">{plainMessage(test.error)}</div> : null}
          {test.isSuccess && <div className="banner banner-ok">{t('accounts.testDone')}</div>}
        </Modal>
      )}
    </section>
  );
}
