/** A gateway config the agent refuses; the message names the file or field. (Its own module: no zod behind it.) */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}
