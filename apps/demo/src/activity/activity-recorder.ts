import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { SecurityEvents } from 'nestjs-token-auth';
import type { Subscription } from 'rxjs';
import { activityOf } from './activity.js';
import { ActivityLog } from './activity-log.service.js';

/**
 * Feeds the activity log from the library's security events. It runs after the request that caused each event
 * (the library delivers events on the next turn of the event loop), so a slow or failing write never delays or
 * fails that request; a write that throws is logged once per cause by the library.
 */
@Injectable()
export class ActivityRecorder implements OnModuleInit, OnModuleDestroy {
  private subscription?: Subscription;

  constructor(
    private readonly events: SecurityEvents,
    private readonly log: ActivityLog,
  ) {}

  onModuleInit(): void {
    this.subscription = this.events.stream.subscribe((event) => {
      const record = activityOf(event);
      if (record !== undefined) this.log.record(record);
    });
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
  }
}
