/**
 * Errors thrown by Steadfast. Every one extends {@link SteadfastError}, carries a stable string `code`
 * and a brand, so `isSteadfastError` works even when two copies of the package are installed.
 * Retry semantics live in the type: a task that throws {@link NonRetryableError} is not retried.
 */

const BRAND = Symbol.for('steadfast:error');

export interface SteadfastErrorOptions {
  cause?: unknown;
}

export class SteadfastError extends Error {
  /** Stable machine-readable code, e.g. `'NON_DETERMINISM'`. */
  readonly code: string;

  constructor(code: string, message: string, options?: SteadfastErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/** True for any Steadfast error, including ones created by another copy of this package. */
export function isSteadfastError(value: unknown): value is SteadfastError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/** A value given to Steadfast (a duration, a name, an option) is not valid. Thrown before anything is stored. */
export class ValidationError extends SteadfastError {
  constructor(message: string, options?: SteadfastErrorOptions) {
    super('VALIDATION', message, options);
  }
}

/** An argument or result cannot be serialized (a function, symbol, circular structure, class instance). */
export class SerializationError extends SteadfastError {
  /** Where in the value the problem is, e.g. `args[1].callback`. */
  readonly path: string;

  constructor(path: string, message: string) {
    super('SERIALIZATION', message);
    this.path = path;
  }
}

/** A serialized payload is larger than the runtime's `maxPayloadBytes`. */
export class PayloadTooLargeError extends SteadfastError {
  readonly bytes: number;
  readonly limit: number;

  constructor(what: string, bytes: number, limit: number) {
    super(
      'PAYLOAD_TOO_LARGE',
      `${what} is ${bytes} bytes serialized, over the limit of ${limit} bytes (raise maxPayloadBytes, or store the data elsewhere and pass a reference)`,
    );
    this.bytes = bytes;
    this.limit = limit;
  }
}

/** Thrown by a task to stop retries at once: the step fails with this error. */
export class NonRetryableError extends SteadfastError {
  constructor(message: string, options?: SteadfastErrorOptions) {
    super('NON_RETRYABLE', message, options);
  }
}

/** Thrown by a task to ask for a retry after a specific delay (milliseconds), overriding the backoff. */
export class RetryableError extends SteadfastError {
  readonly retryAfter?: number;

  constructor(message: string, options?: SteadfastErrorOptions & { retryAfter?: number }) {
    super('RETRYABLE', message, options);
    this.retryAfter = options?.retryAfter;
  }
}

/** A task attempt or a workflow ran past its timeout. */
export class TimeoutError extends SteadfastError {
  constructor(message: string, options?: SteadfastErrorOptions) {
    super('TIMEOUT', message, options);
  }
}

/** The workflow was cancelled; `handle.result()` rejects with this. */
export class CancelledError extends SteadfastError {
  readonly workflowId: string;

  constructor(workflowId: string, message = `workflow ${workflowId} was cancelled`, options?: SteadfastErrorOptions) {
    super('CANCELLED', message, options);
    this.workflowId = workflowId;
  }
}

/** On replay, the workflow called a different step at a position than the one recorded. */
export class NonDeterminismError extends SteadfastError {
  readonly workflowId: string;
  readonly position: number;
  readonly recorded: string;
  readonly current: string;

  constructor(workflowId: string, position: number, recorded: string, current: string) {
    super(
      'NON_DETERMINISM',
      `workflow ${workflowId} is not deterministic: step ${position} was recorded as ${recorded} but the code now calls ${current}. ` +
        'Workflow code must call the same steps in the same order on every run; use now(), random() and uuid() from @steadfast/core instead of Date.now() or Math.random(), and version changed workflows.',
    );
    this.workflowId = workflowId;
    this.position = position;
    this.recorded = recorded;
    this.current = current;
  }
}

/** No workflow with that id exists. */
export class WorkflowNotFoundError extends SteadfastError {
  readonly workflowId: string;

  constructor(workflowId: string) {
    super('WORKFLOW_NOT_FOUND', `no workflow with id ${JSON.stringify(workflowId)}`);
    this.workflowId = workflowId;
  }
}

/**
 * A workflow that has already finished another way cannot be cancelled: `cancel(id)` of a completed or
 * failed workflow throws this, naming the status (the HTTP API answers 409, `steadfast cancel` exits 4).
 * Cancelling a workflow that is already cancelled is not an error: the state asked for holds.
 */
export class WorkflowFinishedError extends SteadfastError {
  readonly workflowId: string;
  /** How the workflow finished: `'completed'` or `'failed'`. */
  readonly status: string;

  constructor(workflowId: string, status: string) {
    super('WORKFLOW_FINISHED', `workflow ${workflowId} is ${status}; only an unfinished workflow can be cancelled`);
    this.workflowId = workflowId;
    this.status = status;
  }
}

/** A workflow id is already taken by a workflow of another name. */
export class WorkflowConflictError extends SteadfastError {
  readonly workflowId: string;

  constructor(workflowId: string, existingName: string, requestedName: string) {
    super(
      'WORKFLOW_CONFLICT',
      `workflow id ${JSON.stringify(workflowId)} is already used by ${existingName}; cannot start ${requestedName} with the same id`,
    );
    this.workflowId = workflowId;
  }
}

/** A workflow or task name is not registered with this runtime. */
export class UnknownWorkflowError extends SteadfastError {
  readonly workflowName: string;

  constructor(name: string, hint = 'register it with runtime.register(...) before starting it') {
    super('UNKNOWN_WORKFLOW', `no workflow or task named ${JSON.stringify(name)} is registered; ${hint}`);
    this.workflowName = name;
  }
}

/**
 * The worker no longer holds the lease of a workflow (another worker took it over, or it was cancelled):
 * the write was refused and the execution is abandoned. Internal to the runtime, exported for adapters.
 */
export class LeaseLostError extends SteadfastError {
  readonly workflowId: string;

  constructor(workflowId: string, epoch: number) {
    super('LEASE_LOST', `lease on workflow ${workflowId} (epoch ${epoch}) is no longer held; the write was refused`);
    this.workflowId = workflowId;
  }
}

/**
 * The storage could not be reached (connection refused or lost, server restarting, lock wait timed out).
 * Adapters wrap such failures in this error; the runtime retries them with capped backoff instead of
 * failing anything or consuming a task attempt.
 */
export class StorageUnavailableError extends SteadfastError {
  constructor(message: string, options?: SteadfastErrorOptions) {
    super('STORAGE_UNAVAILABLE', message, options);
  }
}

/** A workflow was failed because its executions kept dying (e.g. crashing the worker) past `maxRecoveryAttempts`. */
export class MaxRecoveryAttemptsError extends SteadfastError {
  constructor(workflowId: string, attempts: number) {
    super(
      'MAX_RECOVERY_ATTEMPTS',
      `workflow ${workflowId} was recovered ${attempts} times after its worker stopped mid-run, more than maxRecoveryAttempts allows; it was failed so it cannot keep crashing workers`,
    );
  }
}

/**
 * `migrateVersion` refused: some of the runs would not replay on the code of the new version. Nothing was
 * moved. `refusals` names each run and its first divergence.
 */
export class VersionMigrationRefusedError extends SteadfastError {
  readonly refusals: ReadonlyArray<{ id: string; message: string }>;

  constructor(to: string, refusals: ReadonlyArray<{ id: string; message: string }>) {
    const shown = refusals.slice(0, 5).map((r) => `${r.id}: ${r.message}`).join('; ');
    super(
      'VERSION_MIGRATION_REFUSED',
      `refused to move ${refusals.length} run(s) to version ${to}: they would not replay on its code (${shown}${refusals.length > 5 ? '; …' : ''}). Nothing was moved.`,
    );
    this.refusals = refusals;
  }
}

/** Why a payload could not be decrypted (or encrypted): see {@link EncryptedPayloadError}. */
export type EncryptedPayloadReason = 'missing-key' | 'wrong-key' | 'no-codec' | 'no-tenant-key';

/**
 * A payload is encrypted and cannot be read here: the key it names is missing (`missing-key`, e.g. deleted to
 * shred a tenant's data), the key of that id is another one or the payload was altered (`wrong-key`), or no
 * encryption codec is configured (`no-codec`); or a payload cannot be encrypted because its tenant has no key
 * (`no-tenant-key`, thrown before anything is stored). Inspection (`info()`, `steps()`, the CLI, the
 * dashboard) shows such payloads as encrypted instead; `result()`, `getEvent()` and `readStream()` throw it.
 */
export class EncryptedPayloadError extends SteadfastError {
  constructor(
    /** The key id the payload names (or the tenant's, for `no-tenant-key`), or null if it names none. */
    readonly keyId: string | null,
    readonly reason: EncryptedPayloadReason,
    message: string,
    /** The tenant the payload belongs to, if it has one. */
    readonly tenant: string | null = null,
  ) {
    super('ENCRYPTED_PAYLOAD', message);
  }
}

/** The runtime's own error classes, revived by class when a checkpointed error is replayed. */
export const STEADFAST_ERROR_CLASSES = [
  SteadfastError, ValidationError, SerializationError, PayloadTooLargeError, NonRetryableError, RetryableError,
  TimeoutError, CancelledError, NonDeterminismError, WorkflowNotFoundError, WorkflowFinishedError, WorkflowConflictError,
  UnknownWorkflowError, LeaseLostError, MaxRecoveryAttemptsError, StorageUnavailableError, EncryptedPayloadError,
];
