import type { Role, Store } from '../store/store.js';
import { hashPassword } from './passwords.js';

export const ROLES: readonly Role[] = ['viewer', 'operator', 'admin'];
const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

export const roleAllows = (role: Role, needed: Role): boolean => RANK[role] >= RANK[needed];

const USERNAME = /^[a-z0-9][a-z0-9._-]{1,62}$/;
const MIN_PASSWORD = 10;

/** Creates or updates an operator account; refuses weak input with the field named. */
export async function addUser(store: Store, username: string, role: string, password: string, now: number): Promise<void> {
  if (!USERNAME.test(username)) throw new TypeError(`username ${JSON.stringify(username)} must match ${USERNAME.source}`);
  if (!(ROLES as readonly string[]).includes(role)) throw new TypeError(`role ${JSON.stringify(role)} must be one of ${ROLES.join(', ')}`);
  if (password.length < MIN_PASSWORD) throw new TypeError(`the password for ${username} must have at least ${MIN_PASSWORD} characters`);
  const existing = await store.user(username);
  await store.putUser({ username, role: role as Role, passwordHash: await hashPassword(password), createdAt: existing?.createdAt ?? now });
}
