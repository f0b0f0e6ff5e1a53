import { Code, type Interceptor } from '@connectrpc/connect';
import type { Logger } from '../util/logger.js';
import { principalKey } from './principal-context.js';
import { accessFor, isMutating, type ReflectionAccess } from './rpc-scopes.js';
import { toConnectError } from './to-connect-error.js';

const MAX_IDS = 32;

/**
 * The ids a message names: its `...Id` string fields (image_id, source_image_id, palette_id), also in
 * the messages it carries (image, palettes, oneof details). Only ids: never bytes, prompts or metadata
 * (Struct fields are plain objects, not messages, and are not entered).
 */
function collectIds(value: unknown, into: Set<string>, depth = 0): void {
  if (depth > 4 || into.size >= MAX_IDS || typeof value !== 'object' || value === null || value instanceof Uint8Array) return;
  if (Array.isArray(value)) {
    for (const item of value) collectIds(item, into, depth + 1);
    return;
  }
  const isMessage = '$typeName' in value;
  const isOneof = !isMessage && 'case' in value && 'value' in value;
  if (isOneof) return collectIds((value as { value: unknown }).value, into, depth + 1);
  if (!isMessage) return;
  for (const [field, v] of Object.entries(value)) {
    if (typeof v === 'string') {
      if (v && field.endsWith('Id') && field !== 'uploaderId' && into.size < MAX_IDS) into.add(v);
    } else {
      collectIds(v, into, depth + 1);
    }
  }
}

/**
 * One log line per call that changes something stored (every scope but images:read): who (principal,
 * tenant, key id), what (RPC and the ids it named or produced) and the outcome, including refusals.
 * It runs outside authentication so refused calls are recorded too; credentials never reach it.
 */
export function auditInterceptor(logger: Logger, reflection: ReflectionAccess): Interceptor {
  return (next) => async (req) => {
    const access = accessFor(req.service.typeName, req.method.name, reflection);
    if (typeof access !== 'object' || !isMutating(access.scope)) return next(req);
    const ids = new Set<string>();
    const write = (outcome: string) => {
      const principal = req.contextValues.get(principalKey);
      logger.info(
        {
          audit: true,
          rpc: `${req.service.typeName}/${req.method.name}`,
          principal: principal?.subject ?? null,
          kind: principal?.kind ?? null,
          tenant: principal?.tenant ?? null,
          keyId: principal?.keyId,
          ids: [...ids],
          outcome,
        },
        'audit',
      );
    };
    const failed = (e: unknown) => Code[toConnectError(e).code];
    let res;
    try {
      if (req.stream) {
        // Streamed requests are read by the handler: note their ids as they go by.
        const source = req.message;
        res = await next({ ...req, message: (async function* () {
          for await (const m of source) {
            collectIds(m, ids);
            yield m;
          }
        })() });
      } else {
        collectIds(req.message, ids);
        res = await next(req);
      }
    } catch (e) {
      write(failed(e));
      throw e;
    }
    if (!res.stream) {
      collectIds(res.message, ids);
      write('OK');
      return res;
    }
    const source = res.message;
    return {
      ...res,
      message: (async function* () {
        let outcome = Code[Code.Canceled];
        try {
          for await (const m of source) {
            collectIds(m, ids);
            yield m;
          }
          outcome = 'OK';
        } catch (e) {
          outcome = failed(e);
          throw e;
        } finally {
          // Also when the client goes away mid-stream (the consumer stops iterating): Canceled.
          write(outcome);
        }
      })(),
    };
  };
}
