import { useEffect, useRef, useState } from 'react';
import { useApp } from './app-context.js';
import { ActivityList } from './components/ActivityList.js';
import { AttentionList } from './components/AttentionList.js';
import { HeldChangesList } from './components/HeldChangesList.js';
import { ConnectionBanner } from './components/ConnectionBanner.js';
import { NoticeLine } from './components/NoticeLine.js';
import { ProgressPanel } from './components/ProgressPanel.js';
import { StatusHeader } from './components/StatusHeader.js';
import { SummaryPanel } from './components/SummaryPanel.js';
import { SyncHostBanner } from './components/SyncHostBanner.js';
import { headline } from './format.js';
import { SettingsPage, type SettingsTab } from './settings/SettingsPage.js';
import { PreviewPanel } from './preview/PreviewPanel.js';
import { SetupWizard } from './setup/SetupWizard.js';
import { HistoryPage } from './history/HistoryPage.js';

type Page = 'overview' | 'history' | 'settings';

export function App() {
  const { view, connection } = useApp();
  const [page, setPage] = useState<Page>('overview');
  const [settingsTab, setSettingsTab] = useState<SettingsTab>('connections');
  const mainRef = useRef<HTMLElement>(null);

  useEffect(() => {
    document.title = view ? `${headline(view)} · Case Status Sync` : 'Case Status Sync';
  }, [view]);

  const go = (next: Page, tab?: SettingsTab) => {
    setPage(next);
    if (tab) setSettingsTab(tab);
    // Move focus to the new page's content so keyboard and screen-reader users land where the change happened.
    requestAnimationFrame(() => mainRef.current?.focus());
  };

  return (
    <div className="app">
      <a
        className="skip-link"
        href="#main"
        onClick={(e) => {
          e.preventDefault();
          mainRef.current?.focus();
        }}
      >
        Skip to content
      </a>
      <header className="topbar">
        <p className="brand">
          Case Status Sync
          {view?.host === 'headless' && <span className="host-tag">service</span>}
        </p>
        <nav aria-label="Main">
          <ul className="nav-list">
            <li>
              <button type="button" aria-current={page === 'overview' ? 'page' : undefined} onClick={() => go('overview')}>
                Overview
              </button>
            </li>
            <li>
              <button type="button" aria-current={page === 'history' ? 'page' : undefined} onClick={() => go('history')}>
                History
              </button>
            </li>
            <li>
              <button type="button" aria-current={page === 'settings' ? 'page' : undefined} onClick={() => go('settings')}>
                Settings
              </button>
            </li>
          </ul>
        </nav>
      </header>
      <div className="layout">
        <ConnectionBanner connection={connection} hasView={view !== null} />
        {view && (
          <>
            <StatusHeader />
            <NoticeLine />
            <SyncHostBanner />
            {view.setupProblem && view.setup.complete && (
              <div className="banner banner-warn" role="alert">
                <strong>Set-up needed.</strong> {view.setupProblem}{' '}
                <button type="button" className="link-button" onClick={() => go('settings', 'connections')}>
                  Open connection settings
                </button>
              </div>
            )}
            <main id="main" ref={mainRef} tabIndex={-1} className={page === 'overview' ? 'overview' : page === 'history' ? 'history-page' : 'settings-page'}>
              {page === 'overview' && !view.setup.complete ? (
                <SetupWizard />
              ) : page === 'overview' ? (
                <>
                  <h1 className="visually-hidden">Overview</h1>
                  <ProgressPanel />
                  <div className="columns">
                    <div className="column-main">
                      <AttentionList onMapStages={() => go('settings', 'mapping')} />
                      <HeldChangesList />
                      <ActivityList />
                    </div>
                    <div className="column-side">
                      <SummaryPanel />
                      <PreviewPanel />
                    </div>
                  </div>
                </>
              ) : page === 'history' ? (
                <HistoryPage />
              ) : (
                <SettingsPage tab={settingsTab} onTab={setSettingsTab} />
              )}
            </main>
            <footer className="footer muted small">
              Case Status Sync {view.version}
              {view.host === 'headless' ? ' · running as a service on this machine' : ''}
            </footer>
          </>
        )}
      </div>
    </div>
  );
}
