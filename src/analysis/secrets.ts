/**
 * Names of environment variables that hold credentials, for the analysis stage (dependency summaries
 * mark an item that reads one as `env.secret`). The rules' exfiltration checks use the same list.
 */
export const SECRET_ENV = /(TOKEN|SECRET|PASSW|API_?KEY|PRIVATE_?KEY|CREDENTIAL|ACCESS_?KEY|AWS_(ACCESS|SECRET|SESSION)|AZURE_CLIENT|GOOGLE_APPLICATION_CREDENTIALS|CARGO_REGISTRY|SSH_AUTH_SOCK|SESSION_?KEY|AUTH_?TOKEN)/i;

/** True when an environment variable's name says it holds a credential. */
export function isSecretEnvName(name: string): boolean {
  return SECRET_ENV.test(name);
}

/** The first argument of a call when it is a plain string literal (`("GITHUB_TOKEN")` → `GITHUB_TOKEN`), else null. */
export function literalArg(args: string | undefined): string | null {
  const m = /^\(\s*"((?:[^"\\]|\\.)*)"\s*[,)]/.exec(args ?? '');
  return m ? m[1] : null;
}
