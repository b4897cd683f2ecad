/** A refusal the HTTP layer turns into a status code and a message. */
export class ServeError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/**
 * A scan's tarball could not be had from the upstream: `permanent` when what came does not match
 * the upstream index's checksum or is not the release it claims (never served, the release is
 * rejected); otherwise the upstream could not be reached (the scan waits and is tried again).
 */
export class UnfetchableError extends Error {
  constructor(message: string, readonly permanent: boolean) {
    super(message);
  }
}
