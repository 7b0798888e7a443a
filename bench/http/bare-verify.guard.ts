import type { KeyObject } from 'node:crypto';
import { Inject, Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { bareVerify } from '../support/bare-token.js';
import { HMAC_FLOOR_INPUT } from './bench-app.constants.js';

/**
 * The least a guard for this token format can do: the bare verify of the per-operation table on the bearer token,
 * nothing returned, nothing attached to the request.
 */
@Injectable()
export class BareVerifyGuard implements CanActivate {
  constructor(@Inject(HMAC_FLOOR_INPUT) private readonly input: { key: KeyObject }) {}

  canActivate(context: ExecutionContext): boolean {
    const header = context.switchToHttp().getRequest<{ headers: { authorization?: string } }>().headers.authorization;
    if (header === undefined || !bareVerify(header.slice('Bearer '.length), this.input.key)) {
      throw new UnauthorizedException();
    }
    return true;
  }
}
