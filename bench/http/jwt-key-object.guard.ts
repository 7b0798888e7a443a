import { Inject, Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { JWT_KEY_OBJECT_SERVICE } from './bench-app.constants.js';

/**
 * The docs guard with the faster configuration: the JwtService holds the secret as a KeyObject, so jsonwebtoken
 * does not rebuild a key from the string on every call.
 */
@Injectable()
export class JwtKeyObjectGuard implements CanActivate {
  constructor(@Inject(JWT_KEY_OBJECT_SERVICE) private readonly jwtService: JwtService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest();
    const [type, token] = (request.headers.authorization as string | undefined)?.split(' ') ?? [];
    if (type !== 'Bearer' || !token) {
      throw new UnauthorizedException();
    }
    try {
      request['user'] = await this.jwtService.verifyAsync(token);
    } catch {
      throw new UnauthorizedException();
    }
    return true;
  }
}
