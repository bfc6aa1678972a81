export {
  ConversationLinks,
  LINK_DEFAULT_TTL_S,
  LINK_MAX_TTL_S,
  LINK_REVOKED_CHANNEL,
  type ConversationLink,
  type LinkCheck,
  type LinkMaker,
} from './conversation-links.js';
