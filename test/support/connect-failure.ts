import type { Code } from '@connectrpc/connect';
import { ConnectError } from '@connectrpc/connect';
import { ErrorInfoSchema } from '../../gen/google/rpc/error_details_pb.js';

/** The error a call that must fail ends with. */
export async function failedWith(call: Promise<unknown>): Promise<ConnectError> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => ConnectError.from(e),
  );
  if (!err) throw new Error('expected the call to fail');
  return err;
}

/** Code, message and ErrorInfo reason of a call that must fail. */
export async function failure(call: Promise<unknown>): Promise<{ code: Code; message: string; reason: string | undefined }> {
  const err = await failedWith(call);
  return { code: err.code, message: err.rawMessage, reason: err.findDetails(ErrorInfoSchema)[0]?.reason };
}
