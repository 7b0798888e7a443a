import { Controller, Get } from '@nestjs/common';
import { CurrentUserId } from '../users/current-user-id.decorator.js';
import type { ActivityEntry } from './activity.js';
import { ActivityLog } from './activity-log.service.js';

@Controller('me/activity')
export class ActivityController {
  constructor(private readonly log: ActivityLog) {}

  /** The caller's latest account activity, newest first: sign-ins with their device, reuse, sign-outs. */
  @Get()
  recent(@CurrentUserId() userId: number): ActivityEntry[] {
    return this.log.recent(userId);
  }
}
