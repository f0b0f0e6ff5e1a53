/** What a core call needs of the RPC it serves: cancellation and the client's deadline. */
export interface CallOptions {
  signal?: AbortSignal;
  /** Epoch ms. */
  deadline?: number;
  /** The request field holding the input bytes, named in errors about them. */
  field?: string;
}
