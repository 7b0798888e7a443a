import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { KeyObject } from 'node:crypto';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { JWT_KEY_OBJECT, JWT_SECRET } from './bench-app.constants.js';

/** The passport-jwt strategy of the NestJS passport recipe (docs.nestjs.com/recipes/passport), as written there. */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy) {
  constructor(@Inject(JWT_SECRET) secret: string) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      ignoreExpiration: false,
      secretOrKey: secret,
    });
  }

  async validate(payload: { sub: string; roles: string[] }) {
    return { userId: payload.sub, roles: payload.roles };
  }
}

/** The same strategy given the secret as a KeyObject: the faster configuration, registered as 'jwt-key-object'. */
@Injectable()
export class JwtKeyObjectStrategy extends PassportStrategy(Strategy, 'jwt-key-object') {
  constructor(@Inject(JWT_KEY_OBJECT) key: KeyObject) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      ignoreExpiration: false,
      // passport-jwt hands the key to jsonwebtoken, which accepts a KeyObject; the typings list string | Buffer only.
      secretOrKey: key as unknown as Buffer,
    });
  }

  async validate(payload: { sub: string; roles: string[] }) {
    return { userId: payload.sub, roles: payload.roles };
  }
}
