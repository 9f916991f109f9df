import { existsSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import fastifyStatic from '@fastify/static';
import { isValidId } from '@lophoc/protocol';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Logger } from 'pino';
import type { Ingest } from '../ingest.js';
import type { LatestValue, Store } from '../store/store.js';

export interface HttpOptions {
  store: Store;
  ingest: Ingest;
  log: Logger;
  /** Built console (vite build output); served at `/`. */
  consoleDir: string;
}

/** The ops-center HTTP API and console. Operator accounts, OpenAPI and /metrics come with the ops-center issue. */
export async function buildHttpServer({ store, ingest, log, consoleDir }: HttpOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: log.child({ part: 'http' }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
  });
  const liveClients = new Set<ServerResponse>();
  const broadcast = (values: LatestValue[]) => {
    const frame = `event: latest\ndata: ${JSON.stringify(values)}\n\n`;
    for (const client of liveClients) client.write(frame);
  };
  ingest.on('latest', broadcast);
  app.addHook('onClose', async () => {
    ingest.off('latest', broadcast);
    for (const client of liveClients) client.end();
  });

  app.get('/api/health', async () => ({ ok: true, ingest: ingest.stats }));
  app.get('/api/latest', async () => store.latest());
  app.get('/api/nodes', async () => store.nodes());
  app.get<{ Querystring: Record<string, string | undefined> }>('/api/series', async (request, reply) => {
    const { site, node, device, name, from, to } = request.query;
    for (const [field, value] of Object.entries({ site, node, device })) {
      if (!isValidId(value)) return reply.code(400).send({ error: `query parameter "${field}" must be a valid id` });
    }
    if (!name || !/^[a-z][a-z0-9_]{0,62}$/.test(name))
      return reply.code(400).send({ error: 'query parameter "name" must be a reading name' });
    const time = (value: string | undefined, field: string) => {
      if (value === undefined) return undefined;
      const number = Number(value);
      if (!Number.isInteger(number) || number < 0)
        throw Object.assign(new Error(`query parameter "${field}" must be ms since epoch`), { statusCode: 400 });
      return number;
    };
    return store.series({ site: site!, node: node!, device: device!, name, from: time(from, 'from'), to: time(to, 'to') });
  });
  /** Server-sent events: a snapshot, then every stored reading as it arrives. */
  app.get('/api/live', (request, reply) => {
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
    raw.write(`retry: 2000\nevent: latest\ndata: ${JSON.stringify(store.latest())}\n\n`);
    liveClients.add(raw);
    request.raw.on('close', () => liveClients.delete(raw));
  });

  if (existsSync(consoleDir)) {
    await app.register(fastifyStatic, { root: consoleDir });
  } else {
    app.get('/', async (_, reply) =>
      reply.code(503).type('text/plain; charset=utf-8').send('The console is not built: run `npm run build`.\n'),
    );
  }
  return app;
}
