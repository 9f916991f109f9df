import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { addUser, ROLES } from './auth/users.js';
import { openStore, type StoreConfig } from './store/open-store.js';

export const USER_USAGE = `usage: lophoc-ops-center user add <username> --role ${ROLES.join('|')}
       lophoc-ops-center user list
The password is read from LOPHOC_USER_PASSWORD or, if unset, from the first line of standard input.`;

async function firstLine(input: Readable): Promise<string> {
  const lines = createInterface({ input });
  for await (const line of lines) {
    lines.close();
    return line;
  }
  return '';
}

/** `lophoc-ops-center user …`: account management on the same store the daemon uses. Returns what to print. */
export async function runUserCommand(
  args: readonly string[],
  store: StoreConfig,
  env: NodeJS.ProcessEnv,
  stdin: Readable,
): Promise<string> {
  const [verb, username, ...rest] = args;
  const db = await openStore(store, { writer: false }); // the daemon may be running on the same file
  try {
    if (verb === 'list') {
      return (await db.users()).map((user) => `${user.username}\t${user.role}`).join('\n');
    }
    if (verb !== 'add' || !username) throw new TypeError(USER_USAGE);
    const roleAt = rest.indexOf('--role');
    const role = roleAt >= 0 ? rest[roleAt + 1] : undefined;
    if (!role) throw new TypeError(`--role is required\n${USER_USAGE}`);
    const password = env.LOPHOC_USER_PASSWORD ?? (await firstLine(stdin));
    await addUser(db, username, role, password, Date.now());
    return `account ${username} (${role}) saved`;
  } finally {
    await db.close();
  }
}
