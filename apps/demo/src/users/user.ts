/** A stored user. `passwordHash` never leaves the users and auth services. */
export interface User {
  id: number;
  username: string;
  passwordHash: string;
  createdAt: string;
}

/** What the API shows of a user. */
export interface PublicUser {
  id: number;
  username: string;
}

export function toPublicUser(user: User): PublicUser {
  return { id: user.id, username: user.username };
}
