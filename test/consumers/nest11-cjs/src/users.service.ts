import { Injectable } from '@nestjs/common';

export interface User {
  id: string;
  username: string;
  bio: string;
}

/** The app's own users (a database in a real app): what the guard's resolveUser loads per request. */
@Injectable()
export class UsersService {
  private readonly users = new Map<string, User>();

  register(username: string): User {
    const user = { id: `u-${username}`, username, bio: `${username}'s bio` };
    this.users.set(user.id, user);
    return user;
  }

  async findById(id: string): Promise<User | undefined> {
    await Promise.resolve(); // a database lookup is asynchronous
    return this.users.get(id);
  }

  remove(id: string): void {
    this.users.delete(id);
  }
}
