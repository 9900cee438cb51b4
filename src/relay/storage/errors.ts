/** Thrown by storage when an event names a firm that does not exist (the HTTP layer checks first; this is a backstop). */
export class UnknownFirmError extends Error {
  constructor(readonly firmId: string) {
    super(`unknown firm ${firmId}`);
    this.name = 'UnknownFirmError';
  }
}

/** A storage URL the relay cannot use. */
export class StorageUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StorageUrlError';
  }
}
