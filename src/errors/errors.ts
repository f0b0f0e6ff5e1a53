import { AppError, type FieldViolation } from './app-error.js';

/** Formats a value for an error message: short, quoted strings, never raw bytes. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (value instanceof Uint8Array) return `${value.byteLength} bytes`;
  if (typeof value === 'string') {
    const s = value.length > 80 ? `${value.slice(0, 77)}...` : value;
    return JSON.stringify(s);
  }
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'object') {
    try {
      const s = JSON.stringify(value);
      return s.length > 80 ? `${s.slice(0, 77)}...` : s;
    } catch {
      // A cycle, or a bigint inside: name the kind of object rather than print "[object Object]".
      return Object.prototype.toString.call(value);
    }
  }
  return typeof value === 'number' || typeof value === 'boolean' || typeof value === 'symbol' ? String(value) : typeof value;
}

/**
 * INVALID_ARGUMENT for one field: "<field>: expected <expected>, received <value>". The same text goes
 * into the BadRequest field violation.
 */
export function invalidArgument(field: string, expected: string, received: unknown, reason = 'INVALID_ARGUMENT'): AppError {
  return fieldError(field, `expected ${expected}, received ${describeValue(received)}`, reason);
}

function fieldError(field: string, description: string, reason: string): AppError {
  return new AppError('invalid_argument', `${field}: ${description}`, { reason, violations: [{ field, description }] });
}

/** INVALID_ARGUMENT with several violations at once. */
export function invalidArguments(violations: FieldViolation[], reason = 'INVALID_ARGUMENT'): AppError {
  const message = violations.map((v) => `${v.field}: ${v.description}`).join('; ');
  return new AppError('invalid_argument', message, { reason, violations });
}

export function invalidImage(field: string, detail: string, cause?: unknown): AppError {
  return new AppError('invalid_image', `${field}: ${detail}`, {
    reason: 'INVALID_IMAGE',
    violations: [{ field, description: detail }],
    cause,
  });
}

export function imageNotFound(imageId: string): AppError {
  return new AppError('not_found', `image ${describeValue(imageId)} not found`, {
    reason: 'IMAGE_NOT_FOUND',
    metadata: { image_id: imageId },
  });
}

export function paletteNotFound(paletteId: string): AppError {
  return new AppError('not_found', `palette ${describeValue(paletteId)} not found`, {
    reason: 'PALETTE_NOT_FOUND',
    metadata: { palette_id: paletteId },
  });
}

export function unsupportedOperation(message: string, field?: string): AppError {
  return new AppError('unsupported_operation', message, {
    reason: 'UNSUPPORTED_OPERATION',
    violations: field ? [{ field, description: message }] : [],
  });
}

export function tooLarge(what: string, limit: string, received: string, reason = 'LIMIT_EXCEEDED'): AppError {
  return new AppError('resource_exhausted', `${what}: limit is ${limit}, received ${received}`, {
    reason,
    metadata: { limit, received },
  });
}

export function overloaded(detail: string, retryAfterMs = 1000): AppError {
  return new AppError('resource_exhausted', detail, { reason: 'OVERLOADED', retryAfterMs });
}

export function deadlineExceeded(detail: string): AppError {
  return new AppError('deadline_exceeded', detail, { reason: 'DEADLINE_EXCEEDED' });
}

export function cancelled(detail: string): AppError {
  return new AppError('cancelled', detail, { reason: 'CANCELLED' });
}

export function notImplemented(rpc: string, detail: string): AppError {
  return new AppError('unimplemented', `${rpc} is not implemented yet: ${detail}`, { reason: 'NOT_IMPLEMENTED' });
}

export function storageUnavailable(detail: string, cause?: unknown): AppError {
  return new AppError('unavailable', `storage unavailable: ${detail}`, { reason: 'STORAGE_UNAVAILABLE', cause, retryAfterMs: 1000 });
}

export function databaseUnavailable(detail: string, cause?: unknown): AppError {
  return new AppError('unavailable', `database unavailable: ${detail}`, { reason: 'DATABASE_UNAVAILABLE', cause, retryAfterMs: 1000 });
}

export function internalError(detail: string, cause?: unknown): AppError {
  return new AppError('internal', detail, { reason: 'INTERNAL', cause });
}

/**
 * The spec's ImageGenerationError: a generator failed in a way a retry may fix (UNAVAILABLE). Reasons:
 * GENERATION_FAILED, PROVIDER_RATE_LIMITED, PROVIDER_TIMEOUT, PROVIDER_UNREACHABLE, INVALID_PROVIDER_OUTPUT,
 * PROVIDER_AUTH_FAILED. `detail` is public: it may carry the provider's own message, never a secret.
 */
export function generationFailed(
  detail: string,
  options: { reason?: string; metadata?: Record<string, string>; retryAfterMs?: number; cause?: unknown } = {},
): AppError {
  return new AppError('generation_failed', detail, {
    reason: options.reason ?? 'GENERATION_FAILED',
    metadata: options.metadata,
    retryAfterMs: options.retryAfterMs,
    cause: options.cause,
  });
}

/** The provider refused the request itself (INVALID_ARGUMENT): PROMPT_REJECTED for its content policy, else PROVIDER_REJECTED_REQUEST. */
export function generationRejected(field: string, detail: string, reason = 'PROMPT_REJECTED', metadata?: Record<string, string>): AppError {
  return new AppError('invalid_argument', detail, { reason, violations: [{ field, description: detail }], metadata });
}

/** The request is valid but the system is not in a state to serve it (FAILED_PRECONDITION). */
export function failedPrecondition(detail: string, reason: string, metadata?: Record<string, string>): AppError {
  return new AppError('failed_precondition', detail, { reason, metadata });
}

/**
 * A JSON request names a field its message does not have (proto3 JSON rejects unknown keys rather than
 * dropping them, so a misspelt field never silently falls back to its default).
 */
export function unknownField(field: string, messageName: string, fields: readonly string[], received: string): AppError {
  return invalidArgument(field, `a field of ${messageName} (${fields.join(', ') || 'it has none'})`, received, 'UNKNOWN_FIELD');
}

/** An enum value a request cannot hold; `hint` says what the caller probably meant. */
export function invalidEnumValue(field: string, names: readonly string[], received: unknown, hint?: string): AppError {
  const description = `expected one of ${names.join(', ')} (the full name, or its number), received ${describeValue(received)}`;
  return fieldError(field, hint ? `${description}; ${hint}` : description, 'INVALID_ARGUMENT');
}

/** A request body that is not the JSON of its message at all (not JSON, or not an object). */
export function invalidJson(detail: string, cause?: unknown): AppError {
  return new AppError('invalid_argument', `request body: ${detail}`, { reason: 'INVALID_JSON', cause });
}

/**
 * UNAUTHENTICATED: no credentials, or credentials that prove nothing. The message says what to send,
 * never which part of a presented credential failed (reasons: CREDENTIALS_MISSING, CREDENTIALS_INVALID,
 * CREDENTIALS_EXPIRED). `cause` says what failed, for the log only.
 */
export function unauthenticated(detail: string, reason = 'CREDENTIALS_INVALID', cause?: unknown): AppError {
  return new AppError('unauthenticated', detail, { reason, cause });
}

/** PERMISSION_DENIED: the caller is known but its credentials lack the scope this RPC needs. */
export function missingScope(scope: string, rpc: string): AppError {
  return new AppError('permission_denied', `${rpc} needs the scope ${JSON.stringify(scope)}, which these credentials do not carry`, {
    reason: 'MISSING_SCOPE',
    metadata: { scope },
  });
}

/** RESOURCE_EXHAUSTED for a caller over its own limit (not the server's capacity: that is `overloaded`). */
export function quotaExceeded(detail: string, reason: string, retryAfterMs: number, metadata?: Record<string, string>): AppError {
  return new AppError('resource_exhausted', detail, { reason, retryAfterMs, metadata });
}

/** The identity provider's signing keys could not be fetched: the caller's token was not judged, so retry. */
export function identityProviderUnavailable(cause: unknown): AppError {
  return new AppError('unavailable', "the identity provider's signing keys could not be fetched", { reason: 'JWKS_UNAVAILABLE', cause, retryAfterMs: 1000 });
}

/** PERMISSION_DENIED for a request field this deployment does not allow (e.g. transforms beyond the presets). */
export function fieldNotAllowed(field: string, detail: string, reason: string): AppError {
  return new AppError('permission_denied', `${field}: ${detail}`, { reason, violations: [{ field, description: detail }] });
}
