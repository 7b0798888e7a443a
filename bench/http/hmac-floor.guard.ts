import { createHmac, type KeyObject } from 'node:crypto';
import { Inject, Injectable, type CanActivate } from '@nestjs/common';
import { HMAC_FLOOR_INPUT } from './bench-app.constants.js';

/**
 * The HTTP floor: a guard that computes one HMAC-SHA256 with a KeyObject over a token-sized body, and nothing
 * else. No guard that checks a MAC per request can cost less.
 */
@Injectable()
export class HmacFloorGuard implements CanActivate {
  constructor(@Inject(HMAC_FLOOR_INPUT) private readonly input: { key: KeyObject; body: Buffer }) {}

  canActivate(): boolean {
    createHmac('sha256', this.input.key).update(this.input.body).digest();
    return true;
  }
}
