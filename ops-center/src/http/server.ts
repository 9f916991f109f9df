import { existsSync } from 'node:fs';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { registerAuth } from './auth.js';
import type { OpsContext } from './context.js';
import { renderMetrics } from './metrics.js';
import { openApiDocument } from './openapi.js';
import { registerRoutes } from './routes.js';

export interface HttpOptions {
  context: OpsContext;
  /** Built console (vite build output); served at `/`. */
  consoleDir: string;
  /** Extra plugins mounted on the same server (the kiosk content API goes here). */
  plugins?: ((app: FastifyInstance) => Promise<void>)[];
  /** Told `METHOD /path` of each route as it is added. */
  onRoute?: (route: string) => void;
}

/** The ops-center HTTP API, /metrics, the OpenAPI document and the console. */
export async function buildHttpServer({ context, consoleDir, plugins = [], onRoute }: HttpOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: context.log.child({ part: 'http' }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
  });
  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status >= 500) {
      request.log.error({ err: error.message, url: request.url }, 'request failed');
      return reply.code(500).send({ error: 'internal error; see the ops-center log' });
    }
    return reply.code(status).send({ error: error.message });
  });
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD') onRoute?.(`${method} ${route.url}`);
  });
  await app.register(fastifyCookie);
  registerAuth(app, context);
  registerRoutes(app, context);
  app.get('/metrics', async (_, reply) => reply.type('text/plain; version=0.0.4; charset=utf-8').send(await renderMetrics(context)));
  app.get('/api/openapi.json', async () => openApiDocument);

  // ── Kiosk content API (ops-center/src/content, another issue): mounted here through `plugins`. ──
  for (const plugin of plugins) await plugin(app);

  if (existsSync(consoleDir)) {
    await app.register(fastifyStatic, { root: consoleDir });
  } else {
    app.get('/', async (_, reply) =>
      reply.code(503).type('text/plain; charset=utf-8').send('The console is not built: run `npm run build`.\n'),
    );
  }
  app.addHook('onClose', async () => context.live.close());
  return app;
}
