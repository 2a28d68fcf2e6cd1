/**
 * Errors the application raises on bad input; each carries the HTTP status and a stable code.
 * Handlers map them to `{code, message}` bodies; messages are plain words and never carry secrets.
 */
export class RequestRejectedError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'RequestRejectedError';
  }
}

export class NotFoundError extends RequestRejectedError {
  constructor(code: string, message: string) {
    super(404, code, message);
    this.name = 'NotFoundError';
  }
}

export class PayloadTooLargeError extends RequestRejectedError {
  constructor(limitBytes: number) {
    super(413, 'payload_too_large', `request body exceeds ${limitBytes} bytes`);
    this.name = 'PayloadTooLargeError';
  }
}

export class UnauthorizedError extends RequestRejectedError {
  constructor(code: string, message: string) {
    super(401, code, message);
    this.name = 'UnauthorizedError';
  }
}

export class BadRequestError extends RequestRejectedError {
  constructor(code: string, message: string) {
    super(400, code, message);
    this.name = 'BadRequestError';
  }
}

/** A queue message that can never succeed (schema violation): dead-letter it at once with the reason. */
export class PoisonMessageError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'PoisonMessageError';
  }
}
