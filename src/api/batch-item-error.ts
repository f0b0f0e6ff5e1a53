import { create } from '@bufbuild/protobuf';
import { BadRequestSchema, ErrorInfoSchema, RetryInfoSchema } from '../../gen/google/rpc/error_details_pb.js';
import { BatchItemErrorSchema, type BatchItemError } from '../../gen/image/v1/processing_service_pb.js';
import type { ConnectError } from '@connectrpc/connect';

/**
 * A failed batch item's error as its result carries it: the code, message and details the call would
 * have ended with (`e` comes from toConnectError, so an item and a call can never disagree).
 */
export function toBatchItemError(e: ConnectError): BatchItemError {
  return create(BatchItemErrorSchema, {
    code: e.code,
    message: e.rawMessage,
    errorInfo: e.findDetails(ErrorInfoSchema)[0],
    badRequest: e.findDetails(BadRequestSchema)[0],
    retryInfo: e.findDetails(RetryInfoSchema)[0],
  });
}
