export { AuditLog, actorOf, changedFields, SYSTEM_ACTOR, toAuditEntry, type AuditEntry, type AuditFilter } from './audit-log.js';
export { auditHook, type AuditedRoute, type AuditRouteInfo } from './audit-hook.js';
export { blockDetail, idIn, importCounts, liftedCount, mergedFrom } from './audit-details.js';
