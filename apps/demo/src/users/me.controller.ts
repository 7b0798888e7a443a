import { Controller, Get, UnauthorizedException } from '@nestjs/common';
import { CurrentUserId } from './current-user-id.decorator.js';
import { toPublicUser, type PublicUser } from './user.js';
import { UsersService } from './users.service.js';

@Controller('me')
export class MeController {
  constructor(private readonly users: UsersService) {}

  @Get()
  me(@CurrentUserId() userId: number): PublicUser {
    const user = this.users.findById(userId);
    // A valid token for a user that is gone (a reset database): the client must sign in again.
    if (user === undefined) throw new UnauthorizedException('the user of this token no longer exists');
    return toPublicUser(user);
  }
}
