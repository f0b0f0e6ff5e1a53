import { Code, ConnectError } from '@connectrpc/connect';
import { create } from '@bufbuild/protobuf';
import { DurationSchema } from '@bufbuild/protobuf/wkt';
import { BadRequestSchema, ErrorInfoSchema, RetryInfoSchema } from '../../gen/google/rpc/error_details_pb.js';
import { type ErrorKind, isAppError } from '../errors/index.js';

const ERROR_DOMAIN = 'image.v1';

/** The one place error kinds become gRPC codes. */
const CODES: Record<ErrorKind, Code> = {
  invalid_argument: Code.InvalidArgument,
  invalid_image: Code.InvalidArgument,
  unsupported_operation: Code.InvalidArgument,
  not_found: Code.NotFound,
  resource_exhausted: Code.ResourceExhausted,
  deadline_exceeded: Code.DeadlineExceeded,
  failed_precondition: Code.FailedPrecondition,
  unauthenticated: Code.Unauthenticated,
  permission_denied: Code.PermissionDenied,
  generation_failed: Code.Unavailable,
  unavailable: Code.Unavailable,
  cancelled: Code.Canceled,
  unimplemented: Code.Unimplemented,
  internal: Code.Internal,
};

/**
 * Turns anything thrown below the transport into a ConnectError carrying google.rpc.ErrorInfo and, for
 * field errors, google.rpc.BadRequest. Errors that are not AppErrors are internal: their text stays in
 * the logs and the caller gets a generic message.
 */
export function toConnectError(e: unknown): ConnectError {
  if (e instanceof ConnectError) return e;
  if (isAppError(e)) {
    const details: ConstructorParameters<typeof ConnectError>[3] = [
      { desc: ErrorInfoSchema, value: { reason: e.reason, domain: ERROR_DOMAIN, metadata: e.metadata } },
    ];
    if (e.violations.length > 0) {
      details.push({ desc: BadRequestSchema, value: { fieldViolations: e.violations } });
    }
    if (e.retryAfterMs !== undefined) {
      const seconds = Math.floor(e.retryAfterMs / 1000);
      details.push({
        desc: RetryInfoSchema,
        value: { retryDelay: create(DurationSchema, { seconds: BigInt(seconds), nanos: (e.retryAfterMs % 1000) * 1e6 }) },
      });
    }
    return new ConnectError(e.message, CODES[e.kind], undefined, details, e);
  }
  return new ConnectError('internal error', Code.Internal, undefined, [
    { desc: ErrorInfoSchema, value: { reason: 'INTERNAL', domain: ERROR_DOMAIN } },
  ], e);
}
