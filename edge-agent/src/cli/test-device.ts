import type { Logger } from '@lophoc/scripts/logger';
import { bindProfiles } from '../agent.js';
import type { GatewayConfig } from '../config.js';
import { openDeviceSet } from '../device-set.js';
import type { DeviceSink } from '../drivers/driver.js';
import { nodeHid } from '../transports/hid-source.js';

export interface DeviceTestOptions {
  device: string;
  /** Run this profile command instead of waiting for a reading or an event. */
  command?: string;
  params?: Record<string, unknown>;
  timeoutMs?: number;
  progress: (line: string) => void;
}

/**
 * `lophoc-agent test <device>`: opens just that device with its profile and reports PASS with a live reading, an
 * event or the command's reply, or FAIL with the reason. Stop the agent first: it holds the device's port.
 * Card ids are never printed, only that a card was read.
 */
export async function testDevice(config: GatewayConfig, options: DeviceTestOptions, log: Logger): Promise<{ ok: boolean; report: string }> {
  const bound = (await bindProfiles(config, config.profilesDir)).filter(({ instance }) => instance.id === options.device);
  if (bound.length === 0) {
    const known = config.devices.map((d) => d.id).join(', ') || 'none';
    return { ok: false, report: `FAIL ${options.device}: no such device in the config (devices: ${known})` };
  }
  const [{ profile }] = bound as [(typeof bound)[number]];
  const timeoutMs = options.timeoutMs ?? 15_000;
  let settle!: (outcome: { ok: boolean; report: string }) => void;
  const outcome = new Promise<{ ok: boolean; report: string }>((resolve) => {
    settle = resolve;
  });
  const sink: DeviceSink = {
    telemetry(_, values) {
      if (!options.command) settle({ ok: true, report: `PASS ${options.device} (${profile.id}): ${JSON.stringify(values)}` });
    },
    availability(_, online, reason) {
      if (!online) settle({ ok: false, report: `FAIL ${options.device} (${profile.id}): ${reason ?? 'offline'}` });
    },
    event(_, type, data) {
      if (options.command) return;
      const shown = profile.category === 'card-reader' ? 'a card was read' : JSON.stringify(data);
      settle({ ok: true, report: `PASS ${options.device} (${profile.id}): event ${type}: ${shown}` });
    },
  };
  options.progress(`opening ${options.device} (${profile.vendor} ${profile.model})…`);
  const set = await openDeviceSet(bound, { offlineAfterMisses: 1, sink, log, hid: () => nodeHid() });
  const timer = setTimeout(
    () => settle({ ok: false, report: `FAIL ${options.device} (${profile.id}): nothing within ${timeoutMs / 1000} s` }),
    timeoutMs,
  );
  try {
    set.start();
    if (options.command) {
      options.progress(`running ${options.command}…`);
      set.drivers
        .get(options.device)!
        .execute(options.command, options.params ?? {})
        .then(
          (result) => settle({ ok: true, report: `PASS ${options.device} ${options.command}: ${JSON.stringify(result)}` }),
          (error: Error) => settle({ ok: false, report: `FAIL ${options.device} ${options.command}: ${error.message}` }),
        );
    } else {
      options.progress(profile.readings.length ? 'waiting for a reading…' : 'waiting for an event (present a card or scan a code)…');
    }
    return await outcome;
  } finally {
    clearTimeout(timer);
    await set.stop();
  }
}
