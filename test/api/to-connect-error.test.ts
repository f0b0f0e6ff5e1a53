import { describe, expect, it } from 'vitest';
import { Code } from '@connectrpc/connect';
import { BadRequestSchema, ErrorInfoSchema, RetryInfoSchema } from '../../gen/google/rpc/error_details_pb.js';
import { toConnectError } from '../../src/api/to-connect-error.js';
import { AppError, invalidArgument, notImplemented, overloaded } from '../../src/errors/index.js';

describe('toConnectError: the one mapping of error kinds to codes', () => {
  it('maps every kind to its gRPC code', () => {
    const expected: Record<string, Code> = {
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
    for (const [kind, code] of Object.entries(expected)) {
      expect(toConnectError(new AppError(kind as never, 'x', { reason: 'R' })).code).toBe(code);
    }
  });

  it('carries ErrorInfo, BadRequest and RetryInfo details', () => {
    const bad = toConnectError(invalidArgument('quality', 'an integer from 1 to 100', 101));
    expect(bad.rawMessage).toBe('quality: expected an integer from 1 to 100, received 101');
    expect(bad.findDetails(ErrorInfoSchema)[0]).toMatchObject({ reason: 'INVALID_ARGUMENT', domain: 'image.v1' });
    expect(bad.findDetails(BadRequestSchema)[0]?.fieldViolations[0]).toMatchObject({ field: 'quality', description: 'expected an integer from 1 to 100, received 101' });
    const busy = toConnectError(overloaded('full', 1500));
    expect(busy.findDetails(RetryInfoSchema)[0]?.retryDelay).toMatchObject({ seconds: 1n, nanos: 500_000_000 });
    const later = toConnectError(notImplemented('Foo', 'not yet'));
    expect([later.code, later.rawMessage]).toEqual([Code.Unimplemented, 'Foo is not implemented yet: not yet']);
  });

  it('hides the text of errors that are not AppErrors', () => {
    const e = toConnectError(new Error('SQLITE_CORRUPT at /secret/path'));
    expect([e.code, e.rawMessage]).toEqual([Code.Internal, 'internal error']);
    expect(e.findDetails(ErrorInfoSchema)[0]?.reason).toBe('INTERNAL');
  });
});
