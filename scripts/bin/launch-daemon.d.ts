export function launchDaemon(binUrl: string): Promise<unknown>;
export function isFresh(bundle: URL, root?: URL): boolean;
