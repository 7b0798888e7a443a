import { describe, expect, it } from '@jest/globals';
import { UnauthorizedException } from '@nestjs/common';
import { ParseUserIdPipe } from './parse-user-id.pipe.js';

describe('ParseUserIdPipe', () => {
  const pipe = new ParseUserIdPipe();

  it.each([
    ['1', 1],
    ['42', 42],
    ['9007199254740991', Number.MAX_SAFE_INTEGER],
  ])('reads the subject %j as user %d', (subject, id) => {
    expect(pipe.transform(subject)).toBe(id);
  });

  it.each([
    '01',
    '-1',
    '+1',
    '0',
    '00',
    '1.0',
    '1e3',
    ' 1',
    '1 ',
    '0x1',
    '١',
    '9007199254740992',
    '12345678901234567890',
    '',
    'alice',
  ])('refuses the subject %j with 401 invalid_subject', (subject) => {
    let refusal: unknown;
    try {
      pipe.transform(subject);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(UnauthorizedException);
    expect((refusal as UnauthorizedException).getResponse()).toMatchObject({
      statusCode: 401,
      code: 'invalid_subject',
    });
  });

  it('refuses a missing subject (no user on the request) the same way', () => {
    expect(() => pipe.transform(undefined)).toThrow(UnauthorizedException);
  });
});
