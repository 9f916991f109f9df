import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { FailedLoginDelay } from './limits.js';
import { ClaimRefused, type Registry } from './registry.js';

/** What a node is told besides its credentials: where to connect, and the certificate to trust if self-signed. */
export interface ProvisioningAdvert {
  mqttUrl?: string;
  mqttsUrl?: string;
  wsUrl?: string;
  ca?: string;
}

/**
 * `POST /v1/claim {"token": "…"}`: a node presenting a valid one-time claim token gets its MQTT credentials,
 * once (DESIGN §6). Unknown, expired and used tokens get 403 with the reason; repeated failures from one
 * address are answered later and later, as failed MQTT logins are.
 */
export function createProvisioningApp(options: {
  registry: Registry;
  log: Logger;
  advert: ProvisioningAdvert;
  https?: { key: string; cert: string };
}): FastifyInstance {
  const { registry, log, advert } = options;
  const app = Fastify({ logger: false, bodyLimit: 4096, ...(options.https ? { https: options.https } : {}) }) as unknown as FastifyInstance;
  const failures = new FailedLoginDelay(200, 10_000);

  app.post('/v1/claim', async (request, reply) => {
    const body = request.body as { token?: unknown } | null;
    if (!body || typeof body !== 'object' || typeof body.token !== 'string' || body.token.length === 0 || body.token.length > 200)
      return reply.code(400).send({ error: 'body must be JSON {"token": "<claim token>"}' });
    try {
      const credentials = await registry.claim(body.token);
      failures.succeed(request.ip);
      log.info({ site: credentials.site, node: credentials.node, address: request.ip }, 'node claimed its credentials');
      return {
        site: credentials.site,
        node: credentials.node,
        kind: credentials.kind,
        room: credentials.room,
        clientId: credentials.username,
        username: credentials.username,
        password: credentials.password,
        ...advert,
      };
    } catch (error) {
      if (!(error instanceof ClaimRefused)) throw error;
      const delay = failures.fail(request.ip);
      log.warn({ address: request.ip, reason: error.reason }, 'claim refused');
      await new Promise((resolve) => setTimeout(resolve, delay));
      return reply.code(403).send({ error: error.message });
    }
  });
  return app;
}
