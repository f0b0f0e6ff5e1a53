import type { Code } from '@connectrpc/connect';
import { ConnectError } from '@connectrpc/connect';
import { ErrorInfoSchema } from '../../gen/google/rpc/error_details_pb.js';

/** Code, message and ErrorInfo reason of a call that must fail (and the error itself, for its details). */
export async function failure(call: Promise<unknown>): Promise<{ code: Code; message: string; reason: string | undefined; error: ConnectError }> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => ConnectError.from(e),
  );
  if (!err) throw new Error('expected the call to fail');
  return { code: err.code, message: err.rawMessage, reason: err.findDetails(ErrorInfoSchema)[0]?.reason, error: err };
}
