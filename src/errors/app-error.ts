/**
 * The one error catalogue. Every failure the core reports is an AppError with a kind; the transport
 * maps kinds to gRPC codes in one place (api/to-connect-error.ts). `message` is public: it goes to the
 * caller, so it names the field, what was expected and what was received, and never leaks internals.
 * `cause` is for logs only.
 */
export type ErrorKind =
  | 'invalid_argument'
  | 'not_found'
  | 'invalid_image'
  | 'unsupported_operation'
  | 'resource_exhausted'
  | 'deadline_exceeded'
  | 'failed_precondition'
  | 'unauthenticated'
  | 'permission_denied'
  | 'generation_failed'
  | 'unavailable'
  | 'cancelled'
  | 'unimplemented'
  | 'internal';

export interface FieldViolation {
  field: string;
  description: string;
}

export interface AppErrorOptions {
  /** Stable, machine-readable reason for google.rpc.ErrorInfo, e.g. IMAGE_NOT_FOUND. */
  reason: string;
  violations?: FieldViolation[];
  metadata?: Record<string, string>;
  /** Suggested client back-off, for retryable kinds. */
  retryAfterMs?: number;
  cause?: unknown;
}

export class AppError extends Error {
  readonly kind: ErrorKind;
  readonly reason: string;
  readonly violations: FieldViolation[];
  readonly metadata: Record<string, string>;
  readonly retryAfterMs: number | undefined;

  constructor(kind: ErrorKind, message: string, options: AppErrorOptions) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.kind = kind;
    this.reason = options.reason;
    this.violations = options.violations ?? [];
    this.metadata = options.metadata ?? {};
    this.retryAfterMs = options.retryAfterMs;
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}
