import { Injectable, type CanActivate } from '@nestjs/common';

/** A guard that checks nothing: what Nest's guard pipeline costs on its own. */
@Injectable()
export class AllowAllGuard implements CanActivate {
  canActivate(): boolean {
    return true;
  }
}
