/**
 * A problem in the team's policy files (cratefence.toml, supply-chain/*.toml): the message names the
 * file, the key path and the line, so the reader can fix it without guessing. Printed in one line, exit 2.
 */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    message: string,
    readonly file: string | null = null,
    readonly keyPath: string | null = null,
    readonly line: number | null = null,
  ) {
    super(message);
  }
}

/** Builds the one-line message `FILE:LINE: key.path: what is wrong`. */
export function configError(file: string, keyPath: string | null, line: number | null, what: string): ConfigError {
  const where = `${file}${line !== null ? `:${line}` : ''}`;
  // Keys come from the file: a hostile one must not turn the one-line message into a page.
  const shown = keyPath && keyPath.length > 120 ? `${keyPath.slice(0, 117)}...` : keyPath;
  const said = what.length > 300 ? `${what.slice(0, 297)}...` : what;
  return new ConfigError(`${where}: ${shown ? `${shown}: ` : ''}${said}`, file, keyPath, line);
}
