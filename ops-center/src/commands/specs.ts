import { loadProfiles, type Profile } from '@lophoc/device-profiles';
import type { CommandSpec, CommandSpecs } from './params.js';
import { commandKey } from './params.js';

/**
 * The kiosk's own remote commands (profile `lophoc-kiosk` in its birth message). Mirrors kiosk-app's
 * src/remote/kiosk-commands.ts, which refuses anything else; kiosk-app is no dependency of the ops-center.
 */
export const KIOSK_COMMAND_SPECS: Record<string, CommandSpec> = {
  reload: { name: 'reload', description: 'Reload the kiosk page', params: {} },
  restart: { name: 'restart', description: 'Relaunch the kiosk application', params: {} },
  screenshot: {
    name: 'screenshot',
    description: 'Capture the screen',
    params: {
      maxWidth: { type: 'integer', min: 160, max: 1920, required: false, description: 'Width of the image in pixels (default 800)' },
    },
  },
  sync_now: { name: 'sync-now', description: 'Fetch the catalog and deliver the outbox now', params: {} },
};

export function specsOfProfiles(profiles: Iterable<Profile>): CommandSpecs {
  const specs: CommandSpecs = { 'lophoc-kiosk': KIOSK_COMMAND_SPECS };
  for (const profile of profiles) {
    specs[profile.id] = Object.fromEntries(
      profile.commands.map((command) => [
        commandKey(command.name),
        {
          name: command.name,
          ...(command.description ? { description: command.description } : {}),
          params: Object.fromEntries(
            Object.entries(command.params).map(([name, p]) => [
              name,
              {
                type: p.type,
                required: p.required,
                ...(p.description ? { description: p.description } : {}),
                ...(p.min !== undefined ? { min: p.min } : {}),
                ...(p.max !== undefined ? { max: p.max } : {}),
                ...(p.values ? { values: p.values } : {}),
              },
            ]),
          ),
        },
      ]),
    );
  }
  return specs;
}

/** The command specs of every profile shipped with device-profiles, plus the kiosk's. */
export async function loadCommandSpecs(dir?: string): Promise<CommandSpecs> {
  return specsOfProfiles((await loadProfiles(dir)).values());
}
