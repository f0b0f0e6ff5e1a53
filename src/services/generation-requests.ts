import type { ImageRecord } from '../domain/image-record.js';

/** The generation core's requests and results (GenerationService), as the API hands them over. */

export interface GenerateRequest {
  prompt: string;
  width: number;
  height: number;
  style: string;
  model: string;
  negativePrompt: string;
  seed?: bigint;
  steps?: number;
  guidanceScale?: number;
  metadata: Record<string, unknown> | null;
}

export interface VariationsRequest {
  imageId: string;
  numVariations: number;
  variationStrength: number;
  prompt: string;
  seed?: bigint;
  model: string;
}

export interface RefineRequest {
  imageId: string;
  refinementPrompt: string;
  refinementStrength: number;
  preserveStructure: boolean;
  seed?: bigint;
  model: string;
  negativePrompt: string;
}

export interface StoredVariation {
  record: ImageRecord;
  index: number;
  total: number;
}
