import { loadProfiles, type Profile } from '@lophoc/device-profiles';
import { type GatewayConfig, loadGatewayConfig } from '../config.js';

/** What the start-up helper is asked to read and validate. */
export interface StartupRequest {
  /** The gateway config file (YAML). */
  configFile?: string;
  /** Folder of device profiles; default: the config's `profilesDir`, else the shipped catalogue. */
  profilesDir?: string;
  /** false: the config alone (default true). */
  profiles?: boolean;
}

/** Plain validated data: what crosses back from the helper (structured clone). */
export interface StartupData {
  config?: GatewayConfig;
  /** Every profile of the folder, by id (empty when not asked for). */
  profiles: Map<string, Profile>;
}

/**
 * Reads and validates the config and the device profiles (yaml + zod, errors with file, line and field). Runs in
 * the start-up helper (startup/helper.ts), so that yaml and zod never load into the daemon's own isolate.
 */
export async function validateStartup(request: StartupRequest): Promise<StartupData> {
  const config = request.configFile === undefined ? undefined : await loadGatewayConfig(request.configFile);
  const profiles = request.profiles === false ? new Map<string, Profile>() : await loadProfiles(request.profilesDir ?? config?.profilesDir);
  return { ...(config ? { config } : {}), profiles };
}
