// Minimal types for the untyped CommonJS modules the broker uses (only what it calls).

declare module 'qlobber' {
  interface QlobberOptions {
    separator?: string;
    wildcard_one?: string;
    wildcard_some?: string;
  }
  export class QlobberTrue {
    constructor(options?: QlobberOptions);
    add(topic: string): this;
    test(topic: string): boolean;
  }
}

declare module 'qlobber/aedes/qlobber-sub.js' {
  export default class QlobberSub {
    constructor(options?: { separator?: string; wildcard_one?: string; wildcard_some?: string });
    readonly subscriptionsCount: number;
    add(topic: string, value: { clientId: string; topic: string; qos: number; rh?: number; rap?: boolean; nl?: boolean }): this;
    remove(topic: string, value: { clientId: string; topic: string }): this;
    match(topic: string): unknown[];
  }
}

declare module 'aedes-persistence-redis' {
  interface RedisPersistence {
    setup(broker: unknown): Promise<void>;
    outgoingStream(client: { id: string }): import('node:stream').Readable;
    destroy(): Promise<void>;
  }
  export default function redisPersistence(options: {
    host?: string;
    port?: number;
    db?: number;
    maxSessionDelivery?: number;
  }): RedisPersistence;
}
