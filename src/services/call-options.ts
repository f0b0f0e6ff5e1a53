import { DEFAULT_TENANT, type Principal } from '../auth/principal.js';

/** What a core call needs of the RPC it serves: who calls, cancellation and the client's deadline. */
export interface CallOptions {
  /** The authenticated caller; absent for calls that do not come through the RPC interceptors. */
  principal?: Principal;
  signal?: AbortSignal;
  /** Epoch ms. */
  deadline?: number;
  /** The request field holding the input bytes, named in errors about them. */
  field?: string;
  /**
   * The caller will not read the input bytes again: a core may let the worker pool take their memory
   * instead of copying it (see RunOptions.giveInput), when it reads them only once itself.
   */
  giveInput?: boolean;
}

/** The tenant a call acts within: its principal's, or the default one for calls from inside the service. */
export function tenantOf(call: CallOptions): string {
  return call.principal?.tenant ?? DEFAULT_TENANT;
}
