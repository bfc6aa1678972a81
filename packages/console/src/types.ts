// The agents and inbox contract lives in @parley/protocol (agents.ts); these are the console's names for it.
export type {
  Agent,
  AgentStatus,
  ConversationStatus as InboxStatus,
  InboxContact as Contact,
  InboxConversation,
  InboxDetail,
  InboxItem,
  InboxView,
  Team,
} from '@parley/protocol';
