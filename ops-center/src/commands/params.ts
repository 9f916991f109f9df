/**
 * Command parameters as device profiles declare them (device-profiles `commands[].params`), checked the same
 * way the edge agent checks them before a device sees anything (edge-agent/src/drivers/params.ts). Pure: the
 * console imports it for its form, the API for its 400 answers, so both say the same thing.
 */
export interface ParamSpec {
  type: 'number' | 'integer' | 'boolean' | 'string' | 'enum';
  description?: string;
  min?: number;
  max?: number;
  values?: string[];
  required: boolean;
}

export interface CommandSpec {
  name: string;
  description?: string;
  params: Record<string, ParamSpec>;
}

/** Command specs by profile id, then by command name in snake_case (as birth messages name them). */
export type CommandSpecs = Record<string, Record<string, CommandSpec>>;

export type ParamProblem =
  | { param: string; problem: 'unknown'; known: string[] }
  | { param: string; problem: 'required' | 'number' | 'integer' | 'boolean' | 'text' | 'control' }
  | { param: string; problem: 'min' | 'max'; limit: number }
  | { param: string; problem: 'enum'; values: string[] };

export const commandKey = (method: string): string => method.replaceAll('-', '_');

export function specOf(specs: CommandSpecs, profile: string | undefined, method: string): CommandSpec | undefined {
  return profile ? specs[profile]?.[commandKey(method)] : undefined;
}

/** Every problem of `params` against the spec (empty when they are fine). */
export function checkParams(spec: CommandSpec, params: Record<string, unknown>): ParamProblem[] {
  const problems: ParamProblem[] = [];
  for (const param of Object.keys(params)) {
    if (!Object.hasOwn(spec.params, param)) problems.push({ param, problem: 'unknown', known: Object.keys(spec.params) });
  }
  for (const [param, p] of Object.entries(spec.params)) {
    const value = params[param];
    if (value === undefined) {
      if (p.required) problems.push({ param, problem: 'required' });
      continue;
    }
    switch (p.type) {
      case 'number':
      case 'integer':
        if (typeof value !== 'number' || !Number.isFinite(value)) problems.push({ param, problem: 'number' });
        else if (p.type === 'integer' && !Number.isInteger(value)) problems.push({ param, problem: 'integer' });
        else if (p.min !== undefined && value < p.min) problems.push({ param, problem: 'min', limit: p.min });
        else if (p.max !== undefined && value > p.max) problems.push({ param, problem: 'max', limit: p.max });
        break;
      case 'boolean':
        if (typeof value !== 'boolean') problems.push({ param, problem: 'boolean' });
        break;
      case 'string':
        if (typeof value !== 'string') problems.push({ param, problem: 'text' });
        else if (/[\r\n\0]/.test(value)) problems.push({ param, problem: 'control' });
        break;
      case 'enum':
        if (typeof value !== 'string' || !p.values?.includes(value)) problems.push({ param, problem: 'enum', values: p.values ?? [] });
        break;
    }
  }
  return problems;
}

/** The API's wording of a problem, naming the parameter and what was wrong. */
export function describeProblem(problem: ParamProblem, params: Record<string, unknown>): string {
  const where = `parameter ${problem.param}`;
  const got = JSON.stringify(params[problem.param]);
  switch (problem.problem) {
    case 'unknown':
      return `unknown ${where}${problem.known.length ? ` (takes: ${problem.known.join(', ')})` : ' (takes none)'}`;
    case 'required':
      return `${where} is required`;
    case 'number':
      return `${where} must be a number, got ${got}`;
    case 'integer':
      return `${where} must be an integer, got ${got}`;
    case 'min':
      return `${where} must be at least ${problem.limit}, got ${got}`;
    case 'max':
      return `${where} must be at most ${problem.limit}, got ${got}`;
    case 'boolean':
      return `${where} must be true or false, got ${got}`;
    case 'text':
      return `${where} must be text, got ${got}`;
    case 'control':
      return `${where} must not contain control characters`;
    case 'enum':
      return `${where} must be one of ${problem.values.join(', ')}, got ${got}`;
  }
}
