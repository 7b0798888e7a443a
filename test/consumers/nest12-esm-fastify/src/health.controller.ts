import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { Public } from 'nestjs-token-auth';
import { TokenAuthHealthIndicator } from 'nestjs-token-auth/terminus';

@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly tokenAuth: TokenAuthHealthIndicator,
  ) {}

  @Public()
  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.tokenAuth.isHealthy()]);
  }
}
