import { Module } from '@nestjs/common';
import { ActivityController } from './activity.controller.js';
import { ActivityLog } from './activity-log.service.js';
import { ActivityRecorder } from './activity-recorder.js';

/** The per-user activity log: fed by the library's security events, read at `GET /me/activity`. */
@Module({
  controllers: [ActivityController],
  providers: [ActivityLog, ActivityRecorder],
})
export class ActivityModule {}
