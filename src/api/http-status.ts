import { isAppError, type AppError, type ErrorKind } from '../errors/index.js';

/** The one place error kinds become HTTP statuses, for the plain HTTP routes (the RPCs use to-connect-error.ts). */
const STATUSES: Record<ErrorKind, number> = {
  invalid_argument: 400,
  invalid_image: 422,
  unsupported_operation: 400,
  not_found: 404,
  // Over a limit of the request itself; a full server is `overloaded` (503, below) and a caller over
  // its own quota 429.
  resource_exhausted: 413,
  deadline_exceeded: 504,
  failed_precondition: 409,
  unauthenticated: 401,
  permission_denied: 403,
  generation_failed: 503,
  unavailable: 503,
  cancelled: 499,
  unimplemented: 501,
  internal: 500,
};

export interface HttpError {
  status: number;
  /** The public message: the AppError's own (it names the field and the values), never a stack. */
  text: string;
  /** Seconds, for 429 and 503. */
  retryAfter?: number;
}

/** An error thrown below the transport as a plain HTTP answer. Non-AppErrors are internal and say nothing more. */
export function toHttpError(e: unknown): HttpError {
  if (!isAppError(e)) return { status: 500, text: 'internal error' };
  const status = e.kind === 'resource_exhausted' ? resourceStatus(e) : STATUSES[e.kind];
  const retryAfter = e.retryAfterMs !== undefined && (status === 429 || status === 503) ? Math.max(1, Math.ceil(e.retryAfterMs / 1000)) : undefined;
  return { status, text: status === 500 ? 'internal error' : e.message, ...(retryAfter !== undefined ? { retryAfter } : {}) };
}

function resourceStatus(e: AppError): number {
  if (e.reason === 'OVERLOADED') return 503;
  // A caller's own quota (rate limits) carries a back-off; a request over a size limit does not.
  return e.retryAfterMs !== undefined ? 429 : 413;
}
