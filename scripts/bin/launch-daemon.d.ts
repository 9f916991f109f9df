export function launchDaemon(binUrl: string, options?: { v8Flags?: string[] }): Promise<unknown>;
export function isFresh(bundle: URL, root?: URL): boolean;
