import { Injectable } from '@nestjs/common';

/** Whether the process is shutting down: readiness (`/health`) reads it to turn unhealthy at once. */
@Injectable()
export class ShutdownState {
  private since?: number;

  get shuttingDown(): boolean {
    return this.since !== undefined;
  }

  begin(): void {
    this.since ??= Date.now();
  }
}
