import { fromJsonString, type DescMessage } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { ApplyPaletteToImageRequestSchema, GetImageRequestSchema, GetImageUrlRequestSchema, UploadImageRequestSchema } from '../../gen/image/v1/image_service_pb.js';
import { CreateCompositeRequestSchema, ProcessingServiceGenerateVariationsRequestSchema } from '../../gen/image/v1/processing_service_pb.js';
import { jsonRequestError } from '../../src/api/json-request-error.js';

/** What a caller reads for a body protobuf-es rejects: message, reason and the violated field. */
function explained(schema: DescMessage, body: string) {
  let cause: unknown;
  try {
    fromJsonString(schema, body, { ignoreUnknownFields: false });
  } catch (e) {
    cause = e;
  }
  expect(cause, 'protobuf-es should reject the body').toBeDefined();
  const error = jsonRequestError(schema, body, cause);
  return { kind: error.kind, reason: error.reason, message: error.message, fields: error.violations.map((v) => v.field) };
}

describe('jsonRequestError: where in a JSON request protobuf-es found the mistake', () => {
  it('an unknown key deep in a list names its full path and the fields the message has', () => {
    const body = '{"variation_configs":[{"id":"a"},{"id":"b","resize":{"width":10,"fitt":"FIT_COVER"}}]}';
    expect(explained(ProcessingServiceGenerateVariationsRequestSchema, body)).toEqual({
      kind: 'invalid_argument',
      reason: 'UNKNOWN_FIELD',
      message:
        'variation_configs[1].resize.fitt: expected a field of image.v1.ResizeOptions (width, height, maintain_aspect_ratio, fit, gravity, background_color, without_enlargement), received "fitt"',
      fields: ['variation_configs[1].resize.fitt'],
    });
  });

  it('an enum value in short or lower case points at its full name; JSON names fields either way', () => {
    const body = '{"variationConfigs":[{"resize":{"fit":"cover"}}]}';
    expect(explained(ProcessingServiceGenerateVariationsRequestSchema, body)).toMatchObject({
      reason: 'INVALID_ARGUMENT',
      message:
        'variation_configs[0].resize.fit: expected one of FIT_UNSPECIFIED, FIT_INSIDE, FIT_COVER, FIT_CONTAIN, FIT_FILL, FIT_OUTSIDE (the full name, or its number), received "cover"; did you mean FIT_COVER?',
      fields: ['variation_configs[0].resize.fit'],
    });
  });

  it('an enum value with no likely meaning lists the accepted names only', () => {
    expect(explained(CreateCompositeRequestSchema, '{"layers":[{"image_id":"x","blend_mode":"BLEND_MODE_GLOW"}]}').message).toBe(
      'layers[0].blend_mode: expected one of BLEND_MODE_UNSPECIFIED, BLEND_MODE_OVER, BLEND_MODE_MULTIPLY, BLEND_MODE_SCREEN, BLEND_MODE_OVERLAY, BLEND_MODE_DARKEN, BLEND_MODE_LIGHTEN, BLEND_MODE_COLOR_DODGE, BLEND_MODE_COLOR_BURN, BLEND_MODE_HARD_LIGHT, BLEND_MODE_SOFT_LIGHT, BLEND_MODE_DIFFERENCE, BLEND_MODE_EXCLUSION, BLEND_MODE_ADD, BLEND_MODE_SATURATE (the full name, or its number), received "BLEND_MODE_GLOW"',
    );
  });

  it('a Duration as a number, or as minutes, says how to write it', () => {
    expect(explained(GetImageUrlRequestSchema, '{"expiration":90}').message).toBe('expiration: expected a duration string in seconds with an "s" suffix, e.g. "90s", received 90');
    expect(explained(GetImageUrlRequestSchema, '{"expiration":"10m"}').message).toBe(
      'expiration: expected a duration string in seconds with an "s" suffix, e.g. "600s", received "10m"',
    );
  });

  it('scalars of the wrong type or range name what the field takes', () => {
    expect(explained(GetImageRequestSchema, '{"include_data":"yes"}').message).toBe('include_data: expected true or false, received "yes"');
    expect(explained(CreateCompositeRequestSchema, '{"width":3000000000}').message).toBe(
      'width: expected a 32-bit integer (a JSON number or a decimal string), received 3000000000',
    );
    expect(explained(UploadImageRequestSchema, '{"file_data":"not base64!"}').message).toBe('file_data: expected base64 in a string, received "not base64!"');
    expect(explained(CreateCompositeRequestSchema, '{"layers":{"image_id":"x"}}').message).toBe('layers: expected a JSON array, received {"image_id":"x"}');
  });

  it('two members of one oneof, or one field under both its names, are named', () => {
    expect(explained(ApplyPaletteToImageRequestSchema, '{"palette_id":"p","colors":{"hex":["#ffffff"]}}').message).toBe(
      'colors: expected one of palette_id, colors at most, received ["palette_id","colors"]',
    );
    expect(explained(GetImageRequestSchema, '{"image_id":"a","imageId":"b"}').message).toBe(
      'image_id: expected the field once, by its proto name or its JSON name, received ["image_id","imageId"]',
    );
  });

  it('a body that is not a JSON object is INVALID_JSON', () => {
    expect(explained(GetImageRequestSchema, '{"image_id":')).toMatchObject({ reason: 'INVALID_JSON', fields: [] });
    expect(explained(GetImageRequestSchema, '{"image_id":').message).toMatch(/^request body: expected the JSON of image\.v1\.GetImageRequest, received text that is not JSON \(/);
    expect(explained(GetImageRequestSchema, '["x"]').message).toBe('request body: expected a JSON object (image.v1.GetImageRequest), received ["x"]');
    // A key written twice is lost to JSON.parse; protobuf-es's own words say which.
    expect(explained(GetImageRequestSchema, '{"image_id":"a","image_id":"b"}')).toEqual({
      kind: 'invalid_argument',
      reason: 'INVALID_JSON',
      message: 'request body: cannot decode message image.v1.GetImageRequest from JSON: duplicate object key "image_id"',
      fields: [],
    });
  });
});
