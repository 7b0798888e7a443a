import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TokenService } from 'nestjs-token-auth';
import { ADAPTERS, startDemo, type DemoHarness } from './support/demo-harness.js';

/**
 * Tokens whose subject is not the exact text the demo issues, signed with the demo's own key, as a service sharing
 * its key ring could sign them: each is a bad token (401 invalid_subject), never another spelling of a user.
 */
describe.each(ADAPTERS)('the demo reads token subjects strictly (%s)', (adapter) => {
  let demo: DemoHarness;
  let mint: (subject: string) => string;

  beforeAll(async () => {
    demo = await startDemo(adapter);
    expect(await demo.register('first')).toBe(1);
    const tokens = demo.app.get(TokenService);
    mint = (subject) => `Bearer ${tokens.issue(subject).token}`;
    await demo.http().post('/notes').set('Authorization', mint('1')).send({ text: "user 1's note" }).expect(201);
  });
  afterAll(() => demo?.close());

  it('serves the subject "1" as user 1', async () => {
    const me = await demo.http().get('/me').set('Authorization', mint('1'));
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ id: 1, username: 'first' });
    const notes = await demo.http().get('/notes').set('Authorization', mint('1')).expect(200);
    expect(notes.body).toEqual([expect.objectContaining({ text: "user 1's note" })]);
  });

  it.each(['01', '+1', '1.0', '-1', '0', '12345678901234567890', '9007199254740993', 'first'])(
    'answers 401 invalid_subject to the subject %j on every route that reads the user, never data',
    async (subject) => {
      const token = mint(subject);
      const answers = [
        await demo.http().get('/me').set('Authorization', token),
        await demo.http().get('/notes').set('Authorization', token),
        await demo.http().post('/notes').set('Authorization', token).send({ text: 'planted' }),
        await demo.http().post('/auth/logout-all').set('Authorization', token),
      ];
      for (const answer of answers) {
        expect(answer.status).toBe(401);
        expect(answer.body).toMatchObject({ statusCode: 401, code: 'invalid_subject' });
      }
    },
  );

  it('leaves no token of user 1 working after revokeAllForUser("1"), one for "01" included', async () => {
    const [canonical, padded] = [mint('1'), mint('01')];
    await demo.app.get(TokenService).revokeAllForUser('1');
    // The library revokes by subject, and "01" is another subject: the demo's strict reading is what refuses it.
    expect((await demo.http().get('/notes').set('Authorization', canonical)).body.code).toBe('revoked_token');
    expect((await demo.http().get('/notes').set('Authorization', padded)).body.code).toBe('invalid_subject');
  });
});
