import { Injectable, UnauthorizedException, type PipeTransform } from '@nestjs/common';

// The one spelling this app issues: `String(id)` of a SQLite rowid, so a positive integer without sign or leading
// zeros. Sixteen digits at most, checked exactly below (Number.MAX_SAFE_INTEGER has sixteen).
const CANONICAL_ID = /^[1-9][0-9]{0,15}$/;

/**
 * The token's subject as a user id: only the exact text this app puts in the tokens it issues, anything else is
 * 401 `invalid_subject`. A lenient parse (ParseIntPipe's) would read "01" or "+1" as user 1, though
 * `revokeAllForUser('1')` does not cover a token whose subject is "01", and read "0", "-1" or a 20-digit number as
 * ids no user has. Such a subject can only come from a token signed elsewhere with a key this app trusts: it is a
 * bad token, never a 500.
 */
@Injectable()
export class ParseUserIdPipe implements PipeTransform<unknown, number> {
  transform(subject: unknown): number {
    const id = typeof subject === 'string' && CANONICAL_ID.test(subject) ? Number(subject) : NaN;
    if (!Number.isSafeInteger(id)) {
      throw new UnauthorizedException({
        statusCode: 401,
        error: 'Unauthorized',
        code: 'invalid_subject',
        message: 'the token does not name a user of this service',
      });
    }
    return id;
  }
}
