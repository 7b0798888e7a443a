/** Registration under a name that exists already (names compare case-insensitively). */
export class UsernameTakenError extends Error {
  override readonly name = 'UsernameTakenError';

  constructor(readonly username: string) {
    super(`username "${username}" is taken`);
  }
}
