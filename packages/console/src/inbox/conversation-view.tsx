import { useEffect, useRef, useState } from 'preact/hooks';
import { navigate } from '../router.js';
import { useSession } from '../session.js';
import type { InboxItem } from '../types.js';
import { Composer, type ComposerMode } from './composer.js';
import { ContextSidebar } from './context-sidebar.js';
import { ConversationActions } from './conversation-actions.js';
import { contactName } from './conversation-list.js';
import { MessageList } from './message-list.js';
import { api } from '../api.js';
import { useConversation } from './use-conversation.js';
import { useUploads } from './use-uploads.js';
import { CallButtons, CallPanel, useCall } from '../call/index.js';

const SHORTCUTS: readonly (readonly [string, string])[] = [
  ['j / k', 'Next / previous conversation'],
  ['r', 'Reply'],
  ['n', 'Private note'],
  ['e', 'Resolve'],
  ['Esc', 'Back to the list'],
  ['Enter', 'Send (Shift+Enter: new line)'],
  ['/word', 'Canned response'],
  ['?', 'This list'],
];

const OWNER_TEXT: Readonly<Record<string, string>> = {
  bot: 'With the bot',
  queued: 'Waiting for an agent',
  human: 'With an agent',
  resolved: 'Resolved',
};

export function ConversationView(props: { conversationId: string; listItem: InboxItem | null; onChanged: () => void }) {
  const session = useSession();
  const state = useConversation(props.conversationId, session.token, session.agent.name);
  const call = useCall(state.link);
  const [mode, setMode] = useState<ComposerMode>('reply');
  const [focusSignal, setFocusSignal] = useState(0);
  const [help, setHelp] = useState(false);
  // Read by the keyboard listener, which a render registers again only after paint: a key pressed in
  // between (Escape on the just-opened list) must see the list open, not leave the conversation.
  const helpOpen = useRef(false);
  helpOpen.current = help;
  const uploads = useUploads(props.conversationId, session.token, (message) => {
    state.received(message);
    props.onChanged();
  });
  const closeHelp = useRef<HTMLButtonElement>(null);
  // The dialog takes focus when it opens, so Escape and Tab act inside it.
  useEffect(() => {
    if (help) closeHelp.current?.focus();
  }, [help]);
  const done = () => {
    state.reload();
    props.onChanged();
  };

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      const typing = target !== null && /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
      if (event.key === 'Escape') {
        if (helpOpen.current) setHelp(false);
        else if (typing) target.blur();
        else navigate('/inbox');
        return;
      }
      if (typing || event.metaKey || event.ctrlKey || event.altKey) return;
      if (event.key === 'r' || event.key === 'n') {
        event.preventDefault();
        setMode(event.key === 'r' ? 'reply' : 'note');
        setFocusSignal((n) => n + 1);
      } else if (event.key === 'e') {
        void api.post(`/v1/inbox/${encodeURIComponent(props.conversationId)}/resolve`).then(done, () => undefined);
      } else if (event.key === '?') setHelp(!helpOpen.current);
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, [props.conversationId]);

  const source = props.listItem ?? state.detail;
  const name = source === null ? 'Visitor' : contactName(source);
  const status = state.detail?.conversation.status ?? props.listItem?.conversation.status ?? 'open';
  return (
    <div class="conversation">
      <section class="conversation-main" aria-label={`Conversation with ${name}`}>
        <header class="conversation-head">
          <button type="button" class="button ghost small back" onClick={() => navigate('/inbox')}>
            ← Back<span class="visually-hidden"> to the list</span>
          </button>
          <div class="conversation-who">
            <h1 class="conversation-name-heading">{name}</h1>
            <span class="muted small conversation-status">
              {OWNER_TEXT[state.owner ?? ''] ?? state.owner ?? ''}
              {state.assignee === null ? '' : ` · ${state.assignee.name}`} · <span data-testid="link-state">{state.linkState}</span>
            </span>
          </div>
          <CallButtons call={call} disabled={state.link === null} />
          <ConversationActions
            conversationId={props.conversationId}
            status={status}
            owner={state.owner}
            assignee={state.assignee}
            onDone={done}
            onError={state.setError}
          />
        </header>
        {state.error === null ? null : (
          <p class="error-note banner" role="alert">
            {state.error}{' '}
            <button type="button" class="link-button" onClick={() => state.setError(null)}>
              Dismiss
            </button>
          </p>
        )}
        <CallPanel call={call} visitorName={name} />
        <MessageList
          visitorName={name}
          me={session.agent.id}
          entries={state.entries}
          visitorReadSeq={state.visitorReadSeq}
          visitorTyping={state.visitorTyping}
          lastAgentSeq={state.lastAgentSeq}
          earlier={state.earlier}
          onEarlier={state.loadEarlier}
        />
        <Composer
          mode={mode}
          onMode={setMode}
          focusSignal={focusSignal}
          disabledReason={null}
          onTyping={state.typing}
          uploads={uploads.items}
          onDismissUpload={uploads.dismiss}
          onFiles={(files) => {
            if (files.length === 0) return;
            // Files always reach the visitor: a note cannot carry one.
            if (mode === 'note') state.setError('Files are sent to the visitor, never as a note: switch to Reply to attach them.');
            else uploads.add(files);
          }}
          onSend={async (text, kind) => {
            const ok = kind === 'note' ? await state.addNote(text) : await state.send(text);
            if (ok) props.onChanged();
            return ok;
          }}
        />
      </section>
      <ContextSidebar detail={state.detail} name={name} />
      {help ? (
        <div class="dialog-backdrop" onClick={() => setHelp(false)}>
          <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="shortcuts-title" onClick={(e) => e.stopPropagation()}>
            <h2 id="shortcuts-title">Keyboard shortcuts</h2>
            <dl class="shortcuts">
              {SHORTCUTS.map(([key, what]) => (
                <>
                  <dt>
                    <kbd>{key}</kbd>
                  </dt>
                  <dd>{what}</dd>
                </>
              ))}
            </dl>
            <button type="button" class="button" ref={closeHelp} onClick={() => setHelp(false)}>
              Close
            </button>
          </div>
        </div>
      ) : null}
    </div>
  );
}
