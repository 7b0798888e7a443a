import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ADAPTERS, startDemo, type DemoHarness } from './support/demo-harness.js';

describe.each(ADAPTERS)('demo notes routes (%s)', (adapter) => {
  let demo: DemoHarness;
  let alice: string;
  let bob: string;

  beforeAll(async () => {
    demo = await startDemo(adapter);
    await demo.register('alice');
    await demo.register('bob');
    alice = await demo.login('alice');
    bob = await demo.login('bob');
  });
  afterAll(() => demo?.close());

  it('creates, lists and deletes a note', async () => {
    const created = await demo.http().post('/notes').set('Authorization', alice).send({ text: 'buy milk' });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: expect.any(Number), text: 'buy milk', createdAt: expect.any(String) });
    expect(new Date(created.body.createdAt).toISOString()).toBe(created.body.createdAt);

    const listed = await demo.http().get('/notes').set('Authorization', alice);
    expect(listed.status).toBe(200);
    expect(listed.body).toContainEqual(created.body);

    const deleted = await demo.http().delete(`/notes/${created.body.id}`).set('Authorization', alice);
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');
    const after = await demo.http().get('/notes').set('Authorization', alice);
    expect(after.body).not.toContainEqual(created.body);
  });

  it('lists notes in the order they were written', async () => {
    const texts = ['first', 'second', 'third'];
    for (const text of texts) await demo.http().post('/notes').set('Authorization', bob).send({ text }).expect(201);
    const listed = await demo.http().get('/notes').set('Authorization', bob).expect(200);
    expect((listed.body as { text: string }[]).map((note) => note.text)).toEqual(texts);
  });

  it("keeps users apart: a user never sees nor deletes another's note, which is a 404 like a missing one", async () => {
    const secret = await demo
      .http()
      .post('/notes')
      .set('Authorization', alice)
      .send({ text: "alice's secret" })
      .expect(201);
    const bobsList = await demo.http().get('/notes').set('Authorization', bob).expect(200);
    expect(bobsList.body).not.toContainEqual(secret.body);

    const stolen = await demo.http().delete(`/notes/${secret.body.id}`).set('Authorization', bob);
    const missing = await demo.http().delete('/notes/999999').set('Authorization', bob);
    expect(stolen.status).toBe(404);
    expect(missing.status).toBe(404);

    const alicesList = await demo.http().get('/notes').set('Authorization', alice).expect(200);
    expect(alicesList.body).toContainEqual(secret.body);
  });

  it('answers 404 when the note is deleted twice', async () => {
    const note = await demo.http().post('/notes').set('Authorization', alice).send({ text: 'once' }).expect(201);
    await demo.http().delete(`/notes/${note.body.id}`).set('Authorization', alice).expect(204);
    await demo.http().delete(`/notes/${note.body.id}`).set('Authorization', alice).expect(404);
  });

  it.each(['abc', '1.5', '1e3', '0x10', '-1', '0', '01', '%201', '9'.repeat(16)])(
    'answers 400 for the note id %s',
    async (id) => {
      const response = await demo.http().delete(`/notes/${id}`).set('Authorization', alice);
      expect(response.status).toBe(400);
      expect(response.body.message).toEqual(['id must be a note id: a positive whole number']);
    },
  );

  it.each([
    ['no text', {}, /text must be a string/],
    ['empty text', { text: '' }, /text must be longer than or equal to 1/],
    ['text over 2000 characters', { text: 'x'.repeat(2001) }, /text must be shorter than or equal to 2000/],
    ['a number', { text: 42 }, /text must be a string/],
    ['an unknown property', { text: 'hi', userId: 1 }, /property userId should not exist/],
  ])('answers 400 with a message for %s', async (_case, body, message) => {
    const response = await demo.http().post('/notes').set('Authorization', alice).send(body);
    expect(response.status).toBe(400);
    expect((response.body.message as string[]).join('\n')).toMatch(message);
  });

  it('accepts text of exactly 2000 characters', async () => {
    await demo
      .http()
      .post('/notes')
      .set('Authorization', alice)
      .send({ text: 'x'.repeat(2000) })
      .expect(201);
  });

  it.each([
    ['GET', '/notes'],
    ['POST', '/notes'],
    ['DELETE', '/notes/1'],
  ])('answers 401 to %s %s without a token', async (method, path) => {
    const response = await demo.http()[method.toLowerCase() as 'get' | 'post' | 'delete'](path).send({ text: 'x' });
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer');
  });
});
