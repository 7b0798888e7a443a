import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { KeyRingManager, Public, type KeyRingHealth } from 'nestjs-token-auth';
import { ShutdownState } from '../shutdown/shutdown-state.js';

@Controller('health')
export class HealthController {
  constructor(
    private readonly keyRing: KeyRingManager,
    private readonly shutdown: ShutdownState,
  ) {}

  /** Public, for load balancers; the key ring part lists key ids and states, never key bytes. */
  @Public()
  @Get()
  check(): { status: 'ok'; keyRing: KeyRingHealth } {
    // Not ready from the first moment of a shutdown, so load balancers stop sending before the drain ends.
    if (this.shutdown.shuttingDown) throw new ServiceUnavailableException({ status: 'shutting_down' });
    return { status: 'ok', keyRing: this.keyRing.health() };
  }
}
