import { describe, expect, it } from '@jest/globals';
import { PasswordHasher } from './password-hasher.js';

describe('PasswordHasher', () => {
  const hasher = new PasswordHasher();

  it('hashes with scrypt N=16384 r=8 p=1, a 16-byte salt and a 32-byte hash, in a self-describing string', async () => {
    const stored = await hasher.hash('correct horse battery');
    const [scheme, params, salt, hash] = stored.split('$');
    expect([scheme, params]).toEqual(['scrypt', 'N=16384,r=8,p=1']);
    expect(Buffer.from(salt!, 'base64url')).toHaveLength(16);
    expect(Buffer.from(hash!, 'base64url')).toHaveLength(32);
  });

  it('salts every hash', async () => {
    expect(await hasher.hash('same password')).not.toBe(await hasher.hash('same password'));
  });

  it('accepts the password and refuses any other', async () => {
    const stored = await hasher.hash('correct horse battery');
    expect(await hasher.verify('correct horse battery', stored)).toBe(true);
    expect(await hasher.verify('correct horse batterY', stored)).toBe(false);
    expect(await hasher.verify('', stored)).toBe(false);
  });

  it('treats the composed and decomposed forms of a password alike (NFC)', async () => {
    const stored = await hasher.hash('caf\u00e9 au lait');
    expect(await hasher.verify('cafe\u0301 au lait', stored)).toBe(true);
  });

  it('reads the parameters from the stored string, so hashes made with other parameters still verify', async () => {
    const stored = await hasher.hash('correct horse battery');
    const [, , salt] = stored.split('$');
    const { scryptSync } = await import('node:crypto');
    const cheaper = scryptSync('correct horse battery', Buffer.from(salt!, 'base64url'), 32, { N: 1024, r: 8, p: 1 });
    const legacy = `scrypt$N=1024,r=8,p=1$${salt}$${cheaper.toString('base64url')}`;
    expect(await hasher.verify('correct horse battery', legacy)).toBe(true);
    expect(await hasher.verify('wrong', legacy)).toBe(false);
  });

  it('matches no password with the dummy hash used for unknown users', async () => {
    expect(await hasher.verify('', hasher.dummyHash)).toBe(false);
    expect(await hasher.verify('correct horse battery', hasher.dummyHash)).toBe(false);
    expect(hasher.dummyHash).toMatch(/^scrypt\$N=16384,r=8,p=1\$/);
  });

  it.each(['', 'plaintext', 'scrypt$N=16384,r=8,p=1$short$short', 'bcrypt$2b$10$abc'])(
    'throws on a malformed stored hash rather than failing the login: %j',
    async (stored) => {
      await expect(hasher.verify('whatever', stored)).rejects.toThrow(/not in the scrypt/);
    },
  );
});
