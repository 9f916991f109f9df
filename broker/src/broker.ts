import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { MAX_PAYLOAD_BYTES } from '@lophoc/protocol';
import { listen } from '@lophoc/scripts/listen';
import { Aedes, type AedesOptions, type AuthenticateError, type Client, type ConnectPacket } from 'aedes';
import type { Logger } from 'pino';
import { createWebSocketStream, WebSocketServer } from 'ws';
import { type Principal, publishRefusal, subscribeRefusal } from './acl.js';
import { type CityUplinkOptions, startCityUplink } from './city-uplink.js';
import { holdDeliveriesUntilConnack } from './connack-first.js';
import { trimClient, trimConnectedClient, useLazyClientDictionaries } from './connection-trim.js';
import { loadOrCreateCertificate } from './dev-certificate.js';
import { fastDelivery } from './fast-delivery.js';
import { fastParsePublishes } from './fast-parse.js';
import { fastBrokerPublish, fastInboundPublish } from './fast-publish.js';
import { KeepaliveSweep } from './keepalive-sweep.js';
import { ConnectionRateLimiter, FailedLoginDelay } from './limits.js';
import { limitPacketSize, type PacketTooLarge } from './packet-guard.js';
import { createProvisioningApp, type ProvisioningAdvert } from './provisioning.js';
import { Registry } from './registry.js';
import { type BrokerStorage, openStorage, type StorageOptions } from './storage.js';
import { batchWrites } from './write-batching.js';

export interface BrokerLimits {
  /** Largest MQTT packet accepted, header included; a bigger one closes the connection after its header. */
  maxPacketBytes: number;
  /** Deepest topic or filter accepted (DESIGN §3 topics have at most 7 levels). */
  maxTopicLevels: number;
  /** Connection attempts per remote address per window; more are refused before authentication. */
  connectionsPerAddress: { max: number; windowMs: number };
  /** Delay before answering a failed login, doubling per failure from the same address, capped. */
  failedLoginDelay: { baseMs: number; maxMs: number };
  /** A client that does not read for this long is disconnected, so it cannot stall the others (aedes drainTimeout). */
  drainTimeoutMs: number;
}

export const DEFAULT_LIMITS: BrokerLimits = {
  maxPacketBytes: MAX_PAYLOAD_BYTES + 4096,
  maxTopicLevels: 16,
  connectionsPerAddress: { max: 50, windowMs: 10_000 },
  failedLoginDelay: { baseMs: 200, maxMs: 10_000 },
  drainTimeoutMs: 10_000,
};

export interface BrokerOptions {
  log: Logger;
  /** Broker id; unique per process in a cluster. */
  id?: string;
  host?: string;
  /** MQTT over TCP; 0 lets the OS pick (tests); null turns the plain listener off. */
  port?: number | null;
  /** MQTT over TLS (8883 in production) with the given files, or a development certificate generated in `certDir`. */
  tls?: { port: number; host?: string; keyFile?: string; certFile?: string; certDir?: string };
  /** MQTT over WebSocket (for browsers), at `path` (default `/mqtt`). */
  ws?: { port: number; host?: string; path?: string };
  /** The HTTP(S) provisioning endpoint (`POST /v1/claim`); HTTPS with the broker's certificate when `tls` is on. */
  provisioning?: {
    port: number;
    host?: string /** The name nodes reach the broker by, in the URLs they are given. */;
    publicHost?: string;
  };
  /**
   * The registry (or its SQLite file): authentication and the DESIGN §3 ACL are on. Without one the broker
   * is open (anonymous, no ACL), which it accepts only on loopback addresses: development and tests.
   */
  registry?: Registry | string;
  /** Where sessions live: memory (default), a SQLite file, or Redis (cluster mode). */
  storage?: StorageOptions;
  limits?: Partial<BrokerLimits>;
  /** Bridge selected topics to the city's broker, buffering on disk while it is unreachable. */
  cityUplink?: Omit<CityUplinkOptions, 'aedes' | 'log'>;
  /** How often the registry file is checked for revocations and rotations made by the CLI. */
  registryPollMs?: number;
  /**
   * TCP_NODELAY on accepted TCP and TLS connections (default true). false keeps Nagle's algorithm: fewer, larger
   * segments for a bulk stream (the ingest bench stored ~20 % more records/s with ten per message when its own core
   * was the limit), but a small packet may wait for the receiver's delayed ACK (~40 ms).
   */
  tcpNoDelay?: boolean;
}

export interface RunningBroker {
  readonly aedes: Aedes;
  readonly port: number;
  readonly url: string;
  readonly tlsPort?: number;
  readonly tlsUrl?: string;
  /** The TLS certificate (PEM) clients must trust when it is a generated development one. */
  readonly certificate?: string;
  readonly wsPort?: number;
  readonly wsUrl?: string;
  readonly registry?: Registry;
  readonly provisioningUrl?: string;
  /** Revokes an account and closes its live connections at once. */
  revoke(username: string): void;
  stop(): Promise<void>;
}

interface Session {
  principal: Principal;
  username?: string;
  generation?: number;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

/** The listener URLs with the public host name in place of the bind address. */
function advertise(advert: ProvisioningAdvert, publicHost: string | undefined): ProvisioningAdvert {
  if (!publicHost) return advert;
  const rename = (url: string | undefined) => {
    if (!url) return url;
    const parsed = new URL(url);
    parsed.hostname = publicHost;
    return parsed.toString().replace(/\/$/, '');
  };
  return { mqttUrl: rename(advert.mqttUrl), mqttsUrl: rename(advert.mqttsUrl), wsUrl: rename(advert.wsUrl), ca: advert.ca };
}

function authError(message: string, returnCode: 2 | 4 | 5): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError;
}

/**
 * The district MQTT broker (aedes 1.x): listeners (TCP, TLS, WebSocket) → limits (rate, packet size) →
 * authentication against the registry → DESIGN §3 ACL → durable storage (SQLite, or Redis when clustered).
 */
export async function startBroker(options: BrokerOptions): Promise<RunningBroker> {
  const { log, host = '127.0.0.1' } = options;
  const limits: BrokerLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const ownsRegistry = typeof options.registry === 'string';
  const registry = typeof options.registry === 'string' ? Registry.open(options.registry) : options.registry;
  if (!registry) {
    if (options.provisioning) throw new TypeError('broker: provisioning needs a registry');
    const exposed = [host, options.tls?.host ?? host, options.ws?.host ?? host].filter((address) => !LOOPBACK.test(address));
    if (exposed.length > 0)
      throw new Error(
        `broker: refusing to listen on ${exposed[0]} without a registry (anonymous access is for loopback only); give registry`,
      );
    log.info('no registry: anonymous access without ACL (loopback development mode)');
  }

  const cleanups: (() => Promise<void> | void)[] = [];
  const cleanup = async () => {
    for (const step of cleanups.reverse()) await step();
    cleanups.length = 0;
  };
  if (ownsRegistry) cleanups.push(() => registry?.close());

  try {
    const storage = await openStorage(options.storage ?? { kind: 'memory' }, (error) =>
      log.error({ err: error.message, storage: options.storage?.kind }, 'storage connection error (it reconnects by itself)'),
    );
    cleanups.push(() => storage.close());
    // Cleanups run in reverse: listeners stop accepting, aedes closes its clients, then leftover raw sockets go.
    const sockets = new Set<Duplex>();
    cleanups.push(() => {
      for (const socket of sockets) socket.destroy();
    });
    const keepalive = new KeepaliveSweep();
    cleanups.push(() => keepalive.stop());
    const guard = createGuard({ log, registry, limits, keepalive });
    await useLazyClientDictionaries();
    const aedes = await Aedes.createBroker({
      id: options.id ?? 'lophoc-broker',
      ...storage.aedesOptions,
      drainTimeout: limits.drainTimeoutMs,
      maxTopicLevels: limits.maxTopicLevels,
      // Node client ids are `{site}.{node}`, up to 127 characters.
      maxClientsIdLength: 128,
      ...guard.hooks,
    });
    cleanups.push(() => new Promise<void>((resolve) => aedes.close(() => resolve())));
    guard.attach(aedes);
    fastBrokerPublish(aedes);
    cleanups.push(() => guard.stop());
    const poll = registry ? setInterval(() => guard.pollRegistry(), options.registryPollMs ?? 1000) : undefined;
    poll?.unref();
    cleanups.push(() => clearInterval(poll));

    const forget = function (this: Duplex) {
      sockets.delete(this);
    };
    const tooLarge = (stream: Duplex, error: PacketTooLarge) =>
      log.warn({ address: guard.addresses.get(stream), reason: error.message }, 'connection closed: packet too large');
    const accept = (stream: Duplex, address: string) => {
      sockets.add(stream);
      stream.on('close', forget);
      guard.addresses.set(stream, address);
      const client = aedes.handle(batchWrites(stream));
      trimClient(client, stream);
      fastDelivery(client);
      fastInboundPublish(client);
      fastParsePublishes(client);
      limitPacketSize(stream, limits.maxPacketBytes, tooLarge);
    };

    const started: Partial<Record<'port' | 'tlsPort' | 'wsPort', number>> = {};
    const addListener = async (server: Server, port: number, listenHost: string, what: string) => {
      const bound = await listen(server, port, listenHost, what);
      // accept() fails with EMFILE when the process is out of file descriptors: refuse that connection, log it
      // (at most every 10 s), and keep serving the others instead of dying on an unhandled 'error'.
      let lastAcceptErrorLog = 0;
      server.on('error', (error: NodeJS.ErrnoException) => {
        if (Date.now() - lastAcceptErrorLog < 10_000) return;
        lastAcceptErrorLog = Date.now();
        log.warn({ listener: what, err: error.message, code: error.code }, 'connection not accepted');
      });
      // Stop accepting first; aedes then closes its clients and the raw sockets left are destroyed.
      cleanups.push(() => {
        server.close();
      });
      return bound;
    };
    // TCP_NODELAY on every accepted socket (ws sets it on its own). A subscriber that PUBACKs after storing, as
    // the ops-center does, holds its TCP ACKs to send them with that PUBACK; with Nagle's algorithm (RFC 896) each
    // small packet written meanwhile waited for it (~40 ms at the end of a burst, 2026-11-29; nodelay.test.ts).
    const noDelay = options.tcpNoDelay ?? true;
    if (options.port !== null) {
      const server = createServer({ noDelay }, (socket: Socket) => accept(socket, socket.remoteAddress ?? 'unknown'));
      started.port = await addListener(server, options.port ?? 1883, host, 'broker');
    }
    let certificate: string | undefined;
    let tlsKey: string | undefined;
    if (options.tls) {
      const tlsHost = options.tls.host ?? host;
      const pems = await loadOrCreateCertificate({
        ...options.tls,
        dir: options.tls.certDir,
        hosts: [tlsHost === '0.0.0.0' ? 'localhost' : tlsHost, 'localhost', '127.0.0.1'],
      });
      if (pems.generated) log.info({ dir: options.tls.certDir }, 'generated a development TLS certificate');
      certificate = pems.cert;
      tlsKey = pems.key;
      const server = createTlsServer({ key: pems.key, cert: pems.cert, minVersion: 'TLSv1.2' }, (socket: TLSSocket) => {
        if (noDelay) socket.setNoDelay(true);
        accept(socket, socket.remoteAddress ?? 'unknown');
      });
      server.on('tlsClientError', (error) => log.debug({ err: error.message }, 'TLS handshake failed'));
      started.tlsPort = await addListener(server, options.tls.port, tlsHost, 'broker (mqtts)');
    }
    if (options.ws) {
      const http = createHttpServer((_request, response) =>
        response.writeHead(426, { 'content-type': 'text/plain' }).end('MQTT over WebSocket only\n'),
      );
      const wss = new WebSocketServer({ server: http, path: options.ws.path ?? '/mqtt' });
      wss.on('connection', (socket, request: IncomingMessage) =>
        accept(createWebSocketStream(socket), request.socket.remoteAddress ?? 'unknown'),
      );
      cleanups.push(() => {
        wss.close();
      });
      started.wsPort = await addListener(http, options.ws.port, options.ws.host ?? host, 'broker (mqtt over websocket)');
    }

    const url = started.port !== undefined ? `mqtt://${host}:${started.port}` : '';
    const tlsUrl = started.tlsPort !== undefined ? `mqtts://${options.tls?.host ?? host}:${started.tlsPort}` : undefined;
    const wsUrl =
      started.wsPort !== undefined ? `ws://${options.ws?.host ?? host}:${started.wsPort}${options.ws?.path ?? '/mqtt'}` : undefined;
    if (options.cityUplink) {
      const uplink = await startCityUplink({ ...options.cityUplink, aedes, log: log.child({ part: 'city-uplink' }) });
      cleanups.push(() => uplink.stop());
    }
    let provisioningUrl: string | undefined;
    if (options.provisioning && registry) {
      const provisioningHost = options.provisioning.host ?? host;
      if (!tlsKey && !LOOPBACK.test(provisioningHost))
        throw new Error('broker: the provisioning endpoint hands out passwords; enable tls to serve it beyond loopback');
      const app = createProvisioningApp({
        registry,
        log,
        advert: advertise({ mqttUrl: url || undefined, mqttsUrl: tlsUrl, wsUrl, ca: certificate }, options.provisioning.publicHost),
        https: tlsKey && certificate ? { key: tlsKey, cert: certificate } : undefined,
      });
      await app.ready();
      cleanups.push(() => app.close());
      const bound = await listen(app.server, options.provisioning.port, provisioningHost, 'broker provisioning');
      provisioningUrl = `${tlsKey ? 'https' : 'http'}://${provisioningHost}:${bound}`;
    }
    log.info({ url, tlsUrl, wsUrl, provisioningUrl, auth: registry ? 'registry' : 'anonymous', storage: storage.kind }, 'broker listening');
    return {
      aedes,
      port: started.port ?? 0,
      url,
      tlsPort: started.tlsPort,
      tlsUrl,
      certificate,
      wsPort: started.wsPort,
      wsUrl,
      registry,
      provisioningUrl,
      revoke(username) {
        if (!registry) throw new Error('broker: no registry, nothing to revoke');
        registry.revoke(username);
        guard.closeSessionsOf(username, 'credentials revoked');
      },
      stop: cleanup,
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/** Limits, authentication and ACL as aedes hooks, with the sessions they admitted. */
function createGuard({
  log,
  registry,
  limits,
  keepalive,
}: {
  log: Logger;
  registry: Registry | undefined;
  limits: BrokerLimits;
  keepalive: KeepaliveSweep;
}) {
  const addresses = new WeakMap<object, string>();
  /** Who each client is; kept after disconnect, since aedes authorizes the will after the connection closed. */
  const sessions = new WeakMap<Client, Session>();
  /** Authenticated clients still connected: revocation and rotation walk these. */
  const live = new Set<Client>();
  /** Clients whose refusal was already logged, so aedes' clientError for the same cause is not logged twice. */
  const explained = new WeakSet<Client>();
  /** CONNECT packets between preConnect and authenticate. */
  const connectPackets = new WeakMap<Client, ConnectPacket>();
  const rate = new ConnectionRateLimiter(limits.connectionsPerAddress.max, limits.connectionsPerAddress.windowMs);
  const failures = new FailedLoginDelay(limits.failedLoginDelay.baseMs, limits.failedLoginDelay.maxMs);
  const lastFloodLog = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();
  let dataVersion = registry?.dataVersion() ?? 0;
  let aedesRef: Aedes | undefined;
  const addressOf = (client: Client) => addresses.get(client.conn) ?? 'unknown';

  const refuseLater = (ms: number, done: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      done();
    }, ms);
    timers.add(timer);
  };

  async function authenticate(client: Client, username: string | undefined, password: Buffer | undefined): Promise<Session> {
    if (!registry) return { principal: { role: 'open' } };
    const address = addressOf(client);
    const account = username && password ? await registry.authenticate(username, password.toString('utf8')) : undefined;
    if (!account) {
      const reason = !username || !password ? 'no username or password' : 'wrong username or password';
      const delay = failures.fail(address);
      log.warn({ address, clientId: client.id, username, reason, delayMs: delay }, 'login refused');
      explained.add(client);
      await new Promise<void>((resolve) => refuseLater(delay, resolve));
      throw authError(reason, 4);
    }
    // A node's client id is its username, so no other account can take over its session.
    if (account.role === 'node' ? client.id !== account.username : registry.account(client.id)?.role === 'node') {
      log.warn({ address, clientId: client.id, username }, 'login refused: client id belongs to another account');
      explained.add(client);
      throw authError('client id belongs to another account', 2);
    }
    failures.succeed(address);
    const principal: Principal =
      account.role === 'node' ? { role: 'node', site: account.site ?? '', node: account.node ?? '' } : { role: account.role };
    return { principal, username: account.username, generation: account.generation };
  }

  const hooks: Pick<AedesOptions, 'preConnect' | 'authenticate' | 'authorizePublish' | 'authorizeSubscribe' | 'authorizeForward'> = {
    preConnect(client, packet, callback) {
      const address = addressOf(client);
      if (rate.allow(address)) {
        if (packet.clean === false) holdDeliveriesUntilConnack(client);
        connectPackets.set(client, packet);
        return callback(null, true);
      }
      const now = Date.now();
      if (now - (lastFloodLog.get(address) ?? 0) > limits.connectionsPerAddress.windowMs) {
        lastFloodLog.set(address, now);
        log.warn(
          { address, max: limits.connectionsPerAddress.max, windowMs: limits.connectionsPerAddress.windowMs },
          'connections refused: rate limit',
        );
      }
      explained.add(client);
      callback(new Error('connection rate limit'), false);
    },
    authenticate(client, username, password, done) {
      // aedes keeps the CONNECT packet for the life of the connection (its keepalive timer's closure); the
      // password has no use after this check, so it is not kept in memory that long.
      const packet = connectPackets.get(client);
      if (packet) packet.password = undefined;
      connectPackets.delete(client);
      authenticate(client, username, password).then(
        (session) => {
          sessions.set(client, session);
          live.add(client);
          done(null, true);
        },
        (error: AuthenticateError) => done(error, false),
      );
    },
    authorizePublish(client, packet, callback) {
      if (!client) return callback(null); // the broker's own messages ($SYS, wills already checked)
      const session = sessions.get(client);
      const reason = session ? publishRefusal(session.principal, packet.topic) : 'no session';
      if (!reason) return callback(null);
      // [MQTT-3.3.5-2] a 3.1.1 server cannot NACK a PUBLISH: it acknowledges or closes; we close.
      log.warn({ clientId: client.id, topic: packet.topic, reason }, 'publish refused, connection closed');
      explained.add(client);
      callback(new Error(reason));
    },
    authorizeSubscribe(client, subscription, callback) {
      const session = sessions.get(client);
      const reason = session ? subscribeRefusal(session.principal, subscription.topic) : 'no session';
      if (!reason) return callback(null, subscription);
      // [MQTT-3.9.3] the SUBACK carries 0x80 for this filter; the others in the packet are unaffected.
      log.warn({ clientId: client.id, filter: subscription.topic, reason }, 'subscription refused');
      callback(null, null);
    },
  };

  function closeSessionsOf(username: string, reason: string) {
    for (const client of live) {
      if (sessions.get(client)?.username !== username) continue;
      log.warn({ clientId: client.id, username, reason }, 'connection closed');
      live.delete(client);
      client.close();
    }
  }

  return {
    hooks,
    addresses,
    closeSessionsOf,
    attach(aedes: Aedes) {
      aedesRef = aedes;
      aedes.on('clientReady', (client) => {
        keepalive.adopt(client as unknown as Parameters<KeepaliveSweep['adopt']>[0]);
        trimConnectedClient(client);
        const session = sessions.get(client);
        if (session?.principal.role === 'node' && session.username) registry?.touchNode(session.username);
      });
      aedes.on('clientDisconnect', (client) => {
        const session = sessions.get(client);
        if (session?.principal.role === 'node' && session.username) registry?.touchNode(session.username);
        live.delete(client);
      });
      aedes.on('clientError', (client, error) => {
        if (!explained.has(client)) log.info({ clientId: client.id, address: addressOf(client), err: error.message }, 'client error');
        if (client.closed) live.delete(client);
      });
      aedes.on('connectionError', (client, error) => {
        if (!explained.has(client)) log.info({ address: addressOf(client), err: error.message }, 'connection error');
      });
    },
    /** Applies revocations and rotations another process (the CLI) wrote to the registry file. */
    pollRegistry() {
      if (!registry || !aedesRef) return;
      for (const client of live) if (client.closed) live.delete(client);
      const version = registry.dataVersion();
      if (version === dataVersion) return;
      dataVersion = version;
      for (const client of live) {
        const session = sessions.get(client);
        if (!session?.username) continue;
        const account = registry.account(session.username);
        if (!account || account.revoked || account.generation !== session.generation) {
          log.warn(
            { clientId: client.id, username: session.username, reason: account?.revoked ? 'revoked' : 'rotated' },
            'connection closed: credentials changed',
          );
          live.delete(client);
          client.close();
        }
      }
    },
    stop() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      live.clear();
    },
  };
}

export type { BrokerStorage };
