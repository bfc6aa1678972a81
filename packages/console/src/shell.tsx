import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { api, errorText } from './api.js';
import { useInboxWatcher } from './inbox/inbox-watcher.js';
import { useSession } from './session.js';
import type { Agent, AgentStatus } from './types.js';
import { Link } from './ui/link.js';

interface NavItem {
  readonly to: string;
  readonly label: string;
  readonly admin: boolean;
}

export const NAV: readonly NavItem[] = [
  { to: '/inbox', label: 'Inbox', admin: false },
  { to: '/contacts', label: 'Contacts', admin: false },
  { to: '/reports', label: 'Reports', admin: true },
  { to: '/widgets', label: 'Widgets', admin: true },
  { to: '/blueprints', label: 'Blueprints', admin: true },
  { to: '/campaigns', label: 'Campaigns', admin: true },
  { to: '/bots', label: 'Bots', admin: true },
  { to: '/agents', label: 'Agents & teams', admin: true },
  { to: '/api-keys', label: 'API keys', admin: true },
  { to: '/blocks', label: 'Blocks', admin: true },
  { to: '/webhooks', label: 'Webhooks', admin: true },
  { to: '/audit', label: 'Audit log', admin: true },
  { to: '/canned-responses', label: 'Canned responses', admin: false },
  { to: '/account', label: 'Account', admin: false },
];

const STATUS_LABEL: Record<AgentStatus, string> = { online: 'Online', away: 'Away', offline: 'Offline' };

/** Online/away switch: PATCH /v1/agents/me. The dot beside it shows the state without relying on colour alone. */
function StatusSwitch() {
  const session = useSession();
  const [error, setError] = useState<string | null>(null);
  const change = async (status: AgentStatus) => {
    try {
      session.update(await api.patch<Agent>('/v1/agents/me', { status }));
      setError(null);
    } catch (caught) {
      setError(errorText(caught));
    }
  };
  return (
    <div class="status-switch">
      <label>
        <span class={`dot dot-${session.agent.status}`} aria-hidden="true" />
        <span class="visually-hidden">Your status</span>
        <select value={session.agent.status} onChange={(e) => void change(e.currentTarget.value as AgentStatus)}>
          {(['online', 'away', 'offline'] as const).map((status) => (
            <option value={status}>{STATUS_LABEL[status]}</option>
          ))}
        </select>
      </label>
      {error === null ? null : (
        <span class="error-inline" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}

export function Shell(props: { path: string; children: ComponentChildren }) {
  const session = useSession();
  const [menuOpen, setMenuOpen] = useState(false);
  useInboxWatcher(session.token);
  const items = NAV.filter((item) => !item.admin || session.agent.role === 'admin');
  return (
    <div class={`shell${menuOpen ? ' menu-open' : ''}`}>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <div class="brand">
          <span class="brand-mark" aria-hidden="true">
            P
          </span>
          Parley
        </div>
        <button
          type="button"
          class="button ghost menu-button"
          aria-expanded={menuOpen}
          aria-controls="nav"
          onClick={() => setMenuOpen(!menuOpen)}
        >
          Menu
        </button>
      </header>
      <nav id="nav" class="sidebar" aria-label="Console">
        <div class="brand sidebar-brand">
          <span class="brand-mark" aria-hidden="true">
            P
          </span>
          Parley
        </div>
        <ul onClick={() => setMenuOpen(false)}>
          {items.map((item) => {
            const active = props.path === item.to || props.path.startsWith(`${item.to}/`);
            return (
              <li>
                <Link to={item.to} class={active ? 'nav-link active' : 'nav-link'} aria-current={active ? 'page' : undefined}>
                  {item.label}
                </Link>
              </li>
            );
          })}
        </ul>
        <div class="sidebar-footer">
          <div class="me">
            <span class="avatar" aria-hidden="true">
              {initials(session.agent.name)}
            </span>
            <span class="me-text">
              <span class="me-name">{session.agent.name}</span>
              <span class="me-role">{session.agent.role === 'admin' ? 'Admin' : 'Agent'}</span>
            </span>
          </div>
          <StatusSwitch />
          <button type="button" class="button ghost wide" onClick={() => session.logout()}>
            Log out
          </button>
        </div>
      </nav>
      <main id="main" class="content" tabIndex={-1}>
        {props.children}
      </main>
    </div>
  );
}

function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  return ((parts[0]?.[0] ?? '?') + (parts.length > 1 ? (parts[parts.length - 1]?.[0] ?? '') : '')).toUpperCase();
}
