/** An error that ends a job with a message for the user (no stack trace needed). */
export class RunError extends Error {}

/** A job stopped on request (a cancel command) before it finished. */
export class Cancelled extends Error {
  constructor() {
    super('cancelled');
  }
}
