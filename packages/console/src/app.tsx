import { useEffect, useMemo, useState } from 'preact/hooks';
import { api } from './api.js';
import { InboxPage } from './inbox/inbox-page.js';
import { setBaseTitle } from './inbox/notifications.js';
import { AccountPage } from './pages/account-page.js';
import { CannedResponsesPage } from './pages/canned-responses-page.js';
import { ContactsDetailPage } from './pages/contacts-detail-page.js';
import { ContactsPage } from './pages/contacts-page.js';
import { AgentsPage } from './pages/agents-page.js';
import { ApiKeysPage } from './pages/api-keys-page.js';
import { BlocksPage } from './pages/blocks-page.js';
import { WebhookDetailPage, WebhooksPage } from './pages/webhooks-page.js';
import { CampaignsPage } from './pages/campaigns-page.js';
import { AuditPage } from './pages/audit-page.js';
import { BotsPage } from './pages/bots-page.js';
import { LoginPage } from './pages/login-page.js';
import { ReportsPage } from './pages/reports-page.js';
import { match, navigate, useRoute } from './router.js';
import { SessionContext, tokenStore, type Session } from './session.js';
import { NAV, Shell } from './shell.js';
import type { Agent } from './types.js';
import { Empty } from './ui/feedback.js';
import { Link } from './ui/link.js';
import { SettingsListPage } from './widgets/settings-list-page.js';
import { WidgetEditorPage } from './widgets/widget-editor-page.js';

type Boot = { kind: 'loading' } | { kind: 'anonymous' } | { kind: 'in'; agent: Agent; token: string | null };

export function App() {
  const path = useRoute();
  const [boot, setBoot] = useState<Boot>({ kind: 'loading' });

  useEffect(() => {
    api.onUnauthorized = () => setBoot({ kind: 'anonymous' });
    api.me().then(
      (answer) => setBoot({ kind: 'in', agent: answer.agent, token: answer.token ?? tokenStore.get() }),
      () => setBoot({ kind: 'anonymous' }),
    );
  }, []);

  useEffect(() => {
    // A page is titled like its navigation entry (`/inbox/c_1` like `/inbox`).
    const section = `/${path.split('/')[1] ?? ''}`;
    const title = NAV.find((item) => item.to === section)?.label ?? 'Console';
    setBaseTitle(boot.kind === 'in' ? `${title} · Parley` : 'Log in · Parley');
  }, [path, boot.kind]);

  const session = useMemo<Session | null>(() => {
    if (boot.kind !== 'in') return null;
    return {
      agent: boot.agent,
      token: boot.token,
      update: (agent) => setBoot({ ...boot, agent }),
      logout: () => {
        tokenStore.clear();
        void api.post('/v1/auth/logout').catch(() => undefined);
        setBoot({ kind: 'anonymous' });
        navigate('/login', true);
      },
    };
  }, [boot]);

  if (boot.kind === 'loading') return <p class="loading-screen">Loading the console…</p>;
  if (boot.kind === 'anonymous' || session === null) {
    return (
      <LoginPage
        onLogin={(agent, token) => {
          tokenStore.set(token);
          setBoot({ kind: 'in', agent, token });
          if (path === '/login') navigate('/inbox', true);
        }}
      />
    );
  }
  return (
    <SessionContext.Provider value={session}>
      <Shell path={path}>{route(path, session.agent)}</Shell>
    </SessionContext.Provider>
  );
}

function route(path: string, agent: Agent) {
  if (path === '/inbox' || path === '/login') return <InboxPage conversationId={null} />;
  const conversation = match('/inbox/:id', path);
  if (conversation !== null) return <InboxPage conversationId={conversation['id'] ?? null} />;
  if (path === '/account') return <AccountPage />;
  if (path === '/canned-responses') return <CannedResponsesPage />;
  if (path === '/contacts') return <ContactsPage />;
  const contact = match('/contacts/:id', path);
  if (contact !== null) return <ContactsDetailPage id={contact['id'] ?? ''} />;
  if (agent.role !== 'admin') return <NotFound admin />;
  if (path === '/reports') return <ReportsPage />;
  if (path === '/widgets') return <SettingsListPage kind="widgets" />;
  if (path === '/blueprints') return <SettingsListPage kind="blueprints" />;
  const widget = match('/widgets/:id', path);
  if (widget !== null) return <WidgetEditorPage kind="widgets" id={widget['id'] ?? ''} />;
  const blueprint = match('/blueprints/:id', path);
  if (blueprint !== null) return <WidgetEditorPage kind="blueprints" id={blueprint['id'] ?? ''} />;
  if (path === '/campaigns') return <CampaignsPage />;
  if (path === '/bots') return <BotsPage />;
  if (path === '/agents') return <AgentsPage />;
  if (path === '/api-keys') return <ApiKeysPage />;
  if (path === '/blocks') return <BlocksPage />;
  if (path === '/webhooks') return <WebhooksPage />;
  if (path === '/audit') return <AuditPage />;
  const webhook = match('/webhooks/:id', path);
  if (webhook !== null) return <WebhookDetailPage id={webhook['id'] ?? ''} />;
  return <NotFound admin={false} />;
}

function NotFound(props: { admin: boolean }) {
  return (
    <Empty title={props.admin ? 'This page is for admins.' : 'There is no such page.'}>
      <p>
        <Link to="/inbox">Go to the inbox</Link>
      </p>
    </Empty>
  );
}
