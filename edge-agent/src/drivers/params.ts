import type { Command, Profile } from '@lophoc/device-profiles';
import { CommandError } from './driver.js';

export type ParamValue = string | number | boolean;

/**
 * Checks a command's parameters against the profile (type, range, enum, required, no extras) before anything is
 * sent; the error names the parameter and what was wrong.
 */
export function validateParams(command: Command, params: Record<string, unknown> = {}): Record<string, ParamValue> {
  const named = `command "${command.name}"`;
  const out: Record<string, ParamValue> = {};
  for (const key of Object.keys(params)) {
    if (!Object.hasOwn(command.params, key)) {
      const known = Object.keys(command.params);
      throw new CommandError(
        'bad-params',
        `${named}: unknown parameter "${key}"${known.length ? ` (takes: ${known.join(', ')})` : ' (takes none)'}`,
      );
    }
  }
  for (const [name, spec] of Object.entries(command.params)) {
    const value = params[name];
    const where = `${named}: parameter ${name}`;
    if (value === undefined) {
      if (spec.required) throw new CommandError('bad-params', `${where} is required`);
      continue;
    }
    switch (spec.type) {
      case 'number':
      case 'integer': {
        if (typeof value !== 'number' || !Number.isFinite(value))
          throw new CommandError('bad-params', `${where} must be a number, got ${JSON.stringify(value)}`);
        if (spec.type === 'integer' && !Number.isInteger(value))
          throw new CommandError('bad-params', `${where} must be an integer, got ${value}`);
        if (spec.min !== undefined && value < spec.min)
          throw new CommandError('bad-params', `${where} must be at least ${spec.min}, got ${value}`);
        if (spec.max !== undefined && value > spec.max)
          throw new CommandError('bad-params', `${where} must be at most ${spec.max}, got ${value}`);
        break;
      }
      case 'boolean':
        if (typeof value !== 'boolean')
          throw new CommandError('bad-params', `${where} must be true or false, got ${JSON.stringify(value)}`);
        break;
      case 'string':
        if (typeof value !== 'string') throw new CommandError('bad-params', `${where} must be text, got ${JSON.stringify(value)}`);
        // A line device ends commands at CR or LF: a parameter must not smuggle in a second command.
        if (/[\r\n\0]/.test(value)) throw new CommandError('bad-params', `${where} must not contain control characters`);
        break;
      case 'enum':
        if (typeof value !== 'string' || !spec.values!.includes(value)) {
          throw new CommandError('bad-params', `${where} must be one of ${spec.values!.join(', ')}, got ${JSON.stringify(value)}`);
        }
        break;
    }
    out[name] = value as ParamValue;
  }
  return out;
}

/** Fills `{name}` placeholders of a line request template. */
export function renderTemplate(template: string, values: Record<string, ParamValue>): string {
  return template.replace(/\{([a-z][a-z0-9_]{0,62})\}/g, (_, name: string) => {
    const value = values[name];
    return value === undefined ? '' : typeof value === 'boolean' ? (value ? '1' : '0') : String(value);
  });
}

/** The profile's command named `name`, or a CommandError listing the commands the device has. */
export function profileCommand(profile: Profile, device: string, name: string): Command {
  const command = profile.commands.find((c) => c.name === name);
  if (command) return command;
  const known = profile.commands.map((c) => c.name).join(', ');
  throw new CommandError('unknown-command', `${device} has no command "${name}" (known: ${known || 'none'})`);
}
