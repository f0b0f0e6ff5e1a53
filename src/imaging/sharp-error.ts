import { AppError, deadlineExceeded, internalError, invalidImage, isAppError, tooLarge } from '../errors/index.js';
import type { InputFormat } from './image-formats.js';

export interface ErrorContext {
  /** The request field the input came from. */
  field: string;
  format: InputFormat;
  maxInputPixels: number;
}

/** Decoders sharp's prebuilt libvips lacks, although the sniffer recognises their files. */
const UNDECODABLE = /unsupported image format|no decoding plugin|not a known (file )?format|unsupported (codec|compression)/i;
/** libvips/decoder wording for damaged input: truncated streams, bad headers, failed loaders. */
const CORRUPT = /corrupt|premature end|truncat|read error|load(_buffer|_source)?:|Vips(Jpeg|Png|Gif|Webp|Tiff|Heif)|libspng|not a (png|jpeg|gif|tiff)|invalid (png|jpeg|gif|webp|tiff|heif)|decod/i;

/**
 * Turns what sharp throws into the catalogue's errors, inside the worker, so the main thread gets a
 * public message naming the field. sharp reports everything as a plain Error with text, so text is all
 * there is to go on.
 */
export function fromSharpError(error: unknown, ctx: ErrorContext): AppError {
  if (isAppError(error)) return error;
  const raw = error instanceof Error ? error.message : String(error);
  if (/exceeds pixel limit|pixel limit/i.test(raw)) {
    return tooLarge(ctx.field, `${ctx.maxInputPixels} pixels`, `an image over the limit (${cleanReason(raw)})`, 'PIXEL_LIMIT_EXCEEDED');
  }
  const formatLimit = /too large for the (\w+) format/i.exec(raw);
  if (formatLimit !== null) {
    return tooLarge('output image', `the largest size ${formatLimit[1]} can encode`, 'a larger image', 'OUTPUT_TOO_LARGE');
  }
  if (/^timeout/i.test(raw)) {
    return deadlineExceeded(`image processing was stopped at the deadline (${cleanReason(raw)})`);
  }
  if (UNDECODABLE.test(raw)) {
    return invalidImage(ctx.field, `${ctx.format} images cannot be decoded here; use png, jpeg, webp, avif, gif, tiff or svg`, error);
  }
  if (CORRUPT.test(raw)) {
    return invalidImage(ctx.field, `truncated or corrupt ${ctx.format}: ${cleanReason(raw)}`, error);
  }
  return internalError('image processing failed', error);
}

/** sharp's text without the layers of prefixes ("Input buffer has corrupt header: VipsJpeg: ..."). */
function cleanReason(message: string): string {
  return (message.split('\n')[0] ?? '')
    .replace(/^Input (buffer|file) has corrupt header:\s*/i, '')
    .replace(/^\w+load(_buffer|_source)?:\s*/i, '')
    .replace(/^Vips\w+:\s*/, '')
    .trim();
}

/**
 * sharp checks its options with one formatter: "Expected <what> for <param> but received <value>".
 * Such an error is the caller's bad parameter, named after sharp's option, so it becomes
 * invalid_argument on `<fieldPrefix>.<param in snake_case>`.
 */
export function fromSharpOptionError(error: unknown, fieldPrefix: string): AppError | undefined {
  if (!(error instanceof Error)) return undefined;
  const match = /^Expected (.+?) for (\w+) but received (.+)$/.exec(error.message);
  if (match === null) return undefined;
  const [, expected, param, received] = match;
  const field = `${fieldPrefix}.${param.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}`;
  const description = `expected ${expected}, received ${received}`;
  return new AppError('invalid_argument', `${field}: ${description}`, {
    reason: 'INVALID_ARGUMENT',
    violations: [{ field, description }],
    cause: error,
  });
}
