import { Controller, Get, HttpCode, HttpStatus, Inject, Res } from '@nestjs/common';
import {
  KeyRingManager,
  Public,
  REVOCATION_STORE,
  type KeyRingHealth,
  type RevocationStore,
  type RevocationStoreHealth,
} from 'nestjs-token-auth';
import { ShutdownState } from '../shutdown/shutdown-state.js';
import { summarize, type HealthSummary } from './health-summary.js';

interface HealthDetails extends HealthSummary {
  keyRingDetails: KeyRingHealth;
  revocationStoreDetails: RevocationStoreHealth;
}

/** Express's response and Fastify's reply both have `status(code)`. */
interface StatusResponse {
  status(code: number): unknown;
}

@Controller('health')
export class HealthController {
  constructor(
    private readonly keyRing: KeyRingManager,
    @Inject(REVOCATION_STORE) private readonly revocations: RevocationStore,
    private readonly shutdown: ShutdownState,
  ) {}

  /**
   * Public, for load balancers: states only (a key id or a secret id helps an attacker and no load balancer).
   * 503 while the instance refuses every token or shuts down (`down`), 200 otherwise.
   */
  @Public()
  @Get()
  @HttpCode(HttpStatus.OK)
  check(@Res({ passthrough: true }) response: StatusResponse): HealthSummary {
    const summary = summarize(this.keyRing.health(), this.revocations.health(), this.shutdown.shuttingDown);
    if (summary.status === 'down') response.status(HttpStatus.SERVICE_UNAVAILABLE);
    return summary;
  }

  /** For operators, with a token: key ids, states and schedule, the ring's source and the store's counts. */
  @Get('details')
  details(): HealthDetails {
    const keyRingDetails = this.keyRing.health();
    const revocationStoreDetails = this.revocations.health();
    const summary = summarize(keyRingDetails, revocationStoreDetails, this.shutdown.shuttingDown);
    return { ...summary, keyRingDetails, revocationStoreDetails };
  }
}
