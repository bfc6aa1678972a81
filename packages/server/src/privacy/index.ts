export { eraseConversations, ERASE_BATCH, type ErasedCounts } from './erase-conversations.js';
export { Privacy, ERASED_CHANNEL, type ContactErasure, type SessionEnd, type SubjectExport, type VisitorData } from './privacy-service.js';
