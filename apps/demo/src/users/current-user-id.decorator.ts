import { ParseIntPipe, UnauthorizedException } from '@nestjs/common';
import { CurrentUser } from 'nestjs-token-auth';

// Subjects are issued by this app as the SQLite id; anything else was signed elsewhere with a shared key.
const userIdPipe = new ParseIntPipe({
  exceptionFactory: () => new UnauthorizedException('the token does not name a user of this service'),
});

/** The signed-in user's id: the token's subject (`@CurrentUser('sub')`), as the number SQLite stores. */
export const CurrentUserId = (): ParameterDecorator => CurrentUser('sub', userIdPipe);
