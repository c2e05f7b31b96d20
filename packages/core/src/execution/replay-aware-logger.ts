import type { Logger } from 'pino';

type LogMethod = (objOrMsg: unknown, ...rest: unknown[]) => void;

/**
 * The logger a workflow body gets from `workflowLogger()`: it forwards to the execution's pino logger
 * (bound to the workflow id) but stays silent while the body replays checkpointed steps, so each line
 * appears once however often the body re-runs.
 */
export class ReplayAwareLogger {
  constructor(
    private readonly logger: Logger,
    private readonly replaying: () => boolean,
  ) {}

  readonly trace: LogMethod = (...args) => this.emit('trace', args);
  readonly debug: LogMethod = (...args) => this.emit('debug', args);
  readonly info: LogMethod = (...args) => this.emit('info', args);
  readonly warn: LogMethod = (...args) => this.emit('warn', args);
  readonly error: LogMethod = (...args) => this.emit('error', args);

  /** A logger with more bound fields, replay-aware too. */
  child(bindings: Record<string, unknown>): ReplayAwareLogger {
    return new ReplayAwareLogger(this.logger.child(bindings), this.replaying);
  }

  private emit(level: 'trace' | 'debug' | 'info' | 'warn' | 'error', args: unknown[]): void {
    if (this.replaying()) return;
    (this.logger[level] as (...a: unknown[]) => void).apply(this.logger, args);
  }
}
