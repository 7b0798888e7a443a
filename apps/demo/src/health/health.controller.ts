import { Controller, Get } from '@nestjs/common';
import { KeyRingManager, Public, type KeyRingHealth } from 'nestjs-token-auth';

@Controller('health')
export class HealthController {
  constructor(private readonly keyRing: KeyRingManager) {}

  /** Public, for load balancers; the key ring part lists key ids and states, never key bytes. */
  @Public()
  @Get()
  check(): { status: 'ok'; keyRing: KeyRingHealth } {
    return { status: 'ok', keyRing: this.keyRing.health() };
  }
}
