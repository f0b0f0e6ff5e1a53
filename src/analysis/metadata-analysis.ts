import type { ImageHeader } from '../imaging/read-header.js';
import type { InputFormat } from '../imaging/image-formats.js';
import { exifSummary, type ExifSummary } from './exif-summary.js';
import { iccDescription } from './icc-description.js';

export interface MetadataAnalysisResult {
  format: string;
  width: number;
  height: number;
  channels: number;
  colorSpace: string;
  hasAlpha: boolean;
  animated: boolean;
  frameCount: number;
  iccProfile: string;
  exif: ExifSummary;
  density: number;
}

/**
 * What the file says about itself, from its header alone (nothing decoded): the sniffed format, the
 * size as displayed (after the EXIF orientation), channels and colour space as stored, alpha, frames,
 * the ICC profile's description, EXIF orientation / camera / date, and the density in pixels per inch
 * (0 when the file gives none).
 */
export function metadataAnalysis(header: ImageHeader, format: InputFormat): MetadataAnalysisResult {
  const m = header.metadata;
  const exif = exifSummary(m.exif);
  if (m.orientation !== undefined) exif.orientation = m.orientation;
  return {
    format,
    width: header.width,
    height: header.height,
    channels: m.channels,
    colorSpace: m.space ?? '',
    hasAlpha: m.hasAlpha,
    animated: header.pages > 1,
    frameCount: header.pages,
    iccProfile: iccDescription(m.icc),
    exif,
    density: Math.round(m.density ?? 0),
  };
}
