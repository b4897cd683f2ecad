/** A refusal the HTTP layer turns into a status code and a message. */
export class ServeError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}
