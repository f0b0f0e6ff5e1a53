import { describe, expect, it } from 'vitest';
import { specEncode } from '../../src/api/grpc-message-encoding.js';

describe('specEncode: grpc-message as every gRPC client decodes it', () => {
  it('leaves printable ASCII as it is and percent-encodes the rest and "%"', () => {
    expect(specEncode(encodeURIComponent('image_id: expected an id, received "é" (100%)'))).toBe('image_id: expected an id, received "%C3%A9" (100%25)');
  });

  it('encodes a space at either end, which HTTP/2 forbids in a field value (the client would drop the message)', () => {
    // Found by the fuzz campaign: a decoder message that cleaned to nothing left "...: " at the end.
    expect(specEncode(encodeURIComponent(' image_data: truncated or corrupt jpeg: '))).toBe('%20image_data: truncated or corrupt jpeg:%20');
    expect(decodeURI(specEncode(encodeURIComponent('a b ')))).toBe('a b ');
  });
});
