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
/**
 * libvips/decoder wording for damaged input: truncated streams, bad headers, failed loaders and readers
 * (webp2vips, tiff2vips), seeks past the end, damaged LZW codes.
 */
const CORRUPT =
  /corrupt|premature end|truncat|read error|load(_buffer|_source)?:|\w+2vips:|bad seek|Vips(Jpeg|Png|Gif|Webp|Tiff|Heif)|libspng|heif: invalid input|not a (png|jpeg|gif|tiff)|invalid (png|jpeg|gif|webp|tiff|heif)|decod|code not yet in table/i;
/**
 * Bands libvips has no colour conversion for (a TIFF whose samples contradict its photometric tag), or
 * fewer than sharp's own constants assume (a JPEG-compressed TIFF tagged min-is-black: "linear: vector
 * must have 1 or 2 elements").
 */
const BAND_LAYOUT = /no known route from|image is not 1 - 3 bands|vector must have \d+ or \d+ elements/i;
/** A decoder's own size limit: libheif's "Security limit exceeded: Image size WxH exceeds the maximum image size N". */
const DECODER_LIMIT = /security limit exceeded/i;
/**
 * A failure whose libvips message is gone (sharp then says "Unknown error", or nothing). libvips keeps
 * one error buffer per process and every sharp call clears it as it ends, so a call that fails while
 * another ends on another thread often loses its message (lovell/sharp#902, libvips#707): under load,
 * corrupt inputs were answered INTERNAL at random. The call did fail, and it is the input that fails.
 */
const LOST_MESSAGE = /^(Unknown error)?$/;

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
  if (DECODER_LIMIT.test(raw)) {
    return tooLarge(ctx.field, `${ctx.maxInputPixels} pixels`, `an image over the decoder's limit (${cleanReason(raw)})`, 'PIXEL_LIMIT_EXCEEDED');
  }
  if (BAND_LAYOUT.test(raw)) {
    return invalidImage(ctx.field, `a ${ctx.format} whose bands cannot be converted to RGB: ${cleanReason(raw)}`, error);
  }
  // A message torn by another thread can also leave a loader's prefix with nothing after it.
  const reason = cleanReason(raw);
  if (CORRUPT.test(raw) && reason !== '') {
    return invalidImage(ctx.field, `truncated or corrupt ${ctx.format}: ${reason}`, error);
  }
  if (CORRUPT.test(raw) || LOST_MESSAGE.test(raw)) {
    return invalidImage(ctx.field, `the ${ctx.format} data could not be decoded`, error);
  }
  const unrecognised = internalError('image processing failed', error);
  unrecognisedErrors.add(unrecognised);
  return unrecognised;
}

/** What fromSharpError could not classify: it may be a bug, or an input error whose text another thread replaced. */
const unrecognisedErrors = new WeakSet<AppError>();

/**
 * Whether `error` is sharp's failure with a message fromSharpError did not recognise. libvips' one
 * error buffer per process can hand a failing call another call's text (lovell/sharp#902), so a
 * damaged input was now and then answered INTERNAL under load; the worker runs such a task once more
 * (worker.ts), and a second failure with the input's own message classifies it.
 */
export function isUnrecognisedSharpError(error: unknown): boolean {
  return isAppError(error) && unrecognisedErrors.has(error);
}

/** sharp's text without the layers of prefixes ("Input buffer has corrupt header: VipsJpeg: ..."). */
function cleanReason(message: string): string {
  return (message.split('\n')[0] ?? '')
    .replace(/^Input (buffer|file) has corrupt header:\s*/i, '')
    .replace(/^\w+load(_buffer|_source)?:\s*/i, '')
    .replace(/^\w+2vips:\s*/, '')
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
