import { CurrentUser } from 'nestjs-token-auth';
import { ParseUserIdPipe } from './parse-user-id.pipe.js';

/** The signed-in user's id: the token's subject (`@CurrentUser('sub')`), strictly parsed to the number SQLite stores. */
export const CurrentUserId = (): ParameterDecorator => CurrentUser('sub', new ParseUserIdPipe());
