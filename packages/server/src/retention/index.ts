export {
  RetentionJob,
  widgetRetention,
  RETENTION_BATCH,
  DEFAULT_RETENTION_TIMINGS,
  type RetentionCounts,
  type RetentionPreviewItem,
  type RetentionRule,
  type RetentionTimings,
} from './retention-job.js';
