export { type AuditActor, type AuditEntry, listAudit, recordAudit } from './log.js';
