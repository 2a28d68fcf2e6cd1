/** A simulated user action (click, login) that the platform itself would refuse; mapped to HTTP 4xx by the server. */
export class ClickRejectedError extends Error {
  override readonly name = 'ClickRejectedError';
  constructor(
    message: string,
    readonly httpStatus: 400 | 404 | 409 = 409,
  ) {
    super(message);
  }
}
