import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hashToken, newSessionToken, verifyPassword } from '../auth/passwords.js';
import { roleAllows } from '../auth/users.js';
import type { Role } from '../store/store.js';
import type { OpsContext } from './context.js';

export const SESSION_COOKIE = 'lophoc_session';
const SESSION_MS = 12 * 3600_000;
const MAX_FAILURES = 5;
const FAILURE_WINDOW_MS = 15 * 60_000;

export interface Operator {
  username: string;
  role: Role;
}

declare module 'fastify' {
  interface FastifyRequest {
    operator?: Operator;
  }
}

/** Until the first account exists, the console is readable without login (nothing can be changed). */
export const ANONYMOUS: Operator = { username: '(anonymous)', role: 'viewer' };

/** A preHandler refusing requests below `role` with 401 (no session) or 403 (role too low). */
export function requireRole(role: Role) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const operator = request.operator;
    if (!operator) return reply.code(401).send({ error: 'log in first' });
    if (!roleAllows(operator.role, role) || (operator === ANONYMOUS && role !== 'viewer')) {
      return reply.code(403).send({ error: `this needs the ${role} role; ${operator.username} is ${operator.role}` });
    }
  };
}

/** Cookie sessions: resolves `request.operator`, and serves /api/login, /api/logout, /api/me. */
export function registerAuth(app: FastifyInstance, context: OpsContext): void {
  const { store, now } = context;
  const failures = new Map<string, number[]>();
  let accountsExist = false;

  app.addHook('onRequest', async (request) => {
    const token = request.cookies[SESSION_COOKIE];
    if (token) {
      const session = await store.session(hashToken(token), now());
      if (session) {
        request.operator = session;
        return;
      }
    }
    // Once an account exists it stays (accounts are not deleted through the API), so the answer is cached.
    if (!accountsExist) accountsExist = (await store.users()).length > 0;
    if (!accountsExist) request.operator = ANONYMOUS;
  });

  app.post<{ Body: { username?: unknown; password?: unknown } }>('/api/login', async (request, reply) => {
    const { username, password } = request.body ?? {};
    if (typeof username !== 'string' || typeof password !== 'string') {
      return reply.code(400).send({ error: 'body must be {"username": string, "password": string}' });
    }
    const key = `${username}|${request.ip}`;
    const recent = (failures.get(key) ?? []).filter((at) => at > now() - FAILURE_WINDOW_MS);
    if (recent.length >= MAX_FAILURES) {
      const wait = Math.ceil((recent[0]! + FAILURE_WINDOW_MS - now()) / 60_000);
      return reply.code(429).send({ error: `too many failed logins for ${username}; try again in ${wait} min` });
    }
    const user = await store.user(username);
    // The same answer for an unknown user and a wrong password, and the same work, so neither can be told apart.
    const ok = await verifyPassword(password, user?.passwordHash ?? 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAA');
    if (!user || !ok) {
      failures.set(key, [...recent, now()]);
      await store.audit({ ts: now(), user: username, action: 'login-failed', target: request.ip });
      return reply.code(401).send({ error: 'wrong username or password' });
    }
    failures.delete(key);
    const { token, hash } = newSessionToken();
    await store.createSession(hash, user.username, now() + SESSION_MS);
    await store.audit({ ts: now(), user: user.username, action: 'login', target: request.ip });
    reply.setCookie(SESSION_COOKIE, token, {
      path: '/',
      httpOnly: true,
      sameSite: 'strict',
      secure: request.protocol === 'https',
      maxAge: SESSION_MS / 1000,
    });
    return { username: user.username, role: user.role };
  });

  app.post('/api/logout', async (request, reply) => {
    const token = request.cookies[SESSION_COOKIE];
    if (token) await store.deleteSession(hashToken(token));
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return { ok: true };
  });

  app.get('/api/me', async (request, reply) => {
    const operator = request.operator;
    if (!operator) return reply.code(401).send({ error: 'log in first' });
    return operator === ANONYMOUS ? { username: null, role: 'viewer', setupRequired: true } : operator;
  });
}
