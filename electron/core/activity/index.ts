export { ActivityLog, activityEntrySchema, type ActivityEntry, type ActivityInput, type ActivityListener, type ActivityLogOptions } from './activity-log'
