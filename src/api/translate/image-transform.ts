import type { ImageTransform } from '../../../gen/image/v1/image_service_pb.js';
import { Fit, Gravity } from '../../../gen/image/v1/operations_pb.js';
import type { DeliveryGravity, Transform } from '../../delivery/transform.js';
import { invalidArgument } from '../../errors/index.js';
import { FITS, POSITIONS } from './resize-step.js';

/** GetImageUrl's transform message as the core's Transform (checked there, field by field). */
export function transformFrom(t: ImageTransform | undefined): Transform {
  if (!t) return {};
  const fit = t.fit === Fit.UNSPECIFIED ? undefined : FITS[t.fit];
  if (t.fit !== Fit.UNSPECIFIED && !fit) throw invalidArgument('transform.fit', 'a Fit value', t.fit);
  const gravity = t.gravity === Gravity.UNSPECIFIED ? undefined : POSITIONS[t.gravity];
  if (t.gravity !== Gravity.UNSPECIFIED && !gravity) throw invalidArgument('transform.gravity', 'a Gravity value', t.gravity);
  return {
    width: t.width,
    height: t.height,
    fit,
    gravity: gravity as DeliveryGravity | undefined,
    format: (t.format || undefined) as Transform['format'],
    quality: t.quality,
    // A float32 on the wire: 1.5 arrives exact, 1.1 as 1.100000023841858 (checkTransform rounds it).
    dpr: t.dpr,
    preset: t.preset || undefined,
  };
}
