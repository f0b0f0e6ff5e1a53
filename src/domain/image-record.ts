/** What produced an image. Mirrors image.v1.ImageKind. */
export type ImageKind = 'uploaded' | 'generated' | 'processed';

interface UploadDetails {
  uploaderId: string;
  originalFilename: string;
}

interface GenerationDetails {
  prompt: string;
  model: string;
  negativePrompt: string;
  guidanceScale: number;
  generationSteps: number;
  /** Provider, seed, size, style, strength, latency, provider info: stored as JSON. */
  params: Record<string, unknown>;
}

interface ProcessingDetails {
  sourceImageId: string;
  processingType: string;
  /** Canonical parameters of the operation (JSON of the proto message). */
  params: Record<string, unknown>;
}

/** One stored image: the row behind image.v1.ImageAsset. */
export interface ImageRecord {
  id: string;
  /** The tenant it belongs to: only its callers can find it. */
  tenant: string;
  kind: ImageKind;
  filename: string;
  /** Sniffed from the bytes. */
  contentType: string;
  /** What the caller said; recorded, never trusted. */
  declaredContentType: string;
  width: number;
  height: number;
  fileSize: number;
  sha256: string;
  /** Blob key, derived from sha256. */
  storagePath: string;
  metadata: Record<string, unknown> | null;
  upload?: UploadDetails;
  generation?: GenerationDetails;
  processing?: ProcessingDetails;
  /** Derived images: the source. Also indexed for ListImages filtering. */
  sourceImageId: string | null;
  /**
   * Derived images: unique per source image and operation (see operation-key.ts), so the same operation
   * on the same source returns the stored result instead of a duplicate.
   */
  operationKey: string | null;
  /**
   * Derived images: hash of source content and canonical operation parameters. Identical sources share
   * the result's bytes through it, never the record.
   */
  derivationKey: string | null;
  createdAt: Date;
  updatedAt: Date;
}
