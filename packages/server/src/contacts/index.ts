export { ContactService, toContact, type Visit } from './contact-service.js';
export { summarizeUserAgent, type DeviceSummary } from './user-agent.js';
export { importContacts, IMPORT_MAX_BYTES, IMPORT_MAX_ROWS } from './contact-import.js';
