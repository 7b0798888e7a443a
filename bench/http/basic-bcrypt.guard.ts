import { Inject, Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import bcrypt from 'bcrypt';
import { BASIC_USERS } from './bench-app.constants.js';

/** HTTP Basic auth that checks the password with bcrypt on every request: what skipping tokens would cost. */
@Injectable()
export class BasicBcryptGuard implements CanActivate {
  constructor(@Inject(BASIC_USERS) private readonly users: ReadonlyMap<string, string>) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest();
    const [scheme, encoded] = (request.headers.authorization as string | undefined)?.split(' ') ?? [];
    if (scheme !== 'Basic' || !encoded) throw new UnauthorizedException();
    const decoded = Buffer.from(encoded, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const hash = colon > 0 ? this.users.get(decoded.slice(0, colon)) : undefined;
    if (hash === undefined || !(await bcrypt.compare(decoded.slice(colon + 1), hash))) {
      throw new UnauthorizedException();
    }
    return true;
  }
}
