import { describe, expect, it } from 'vitest';
import { requestIdFrom } from '../../src/api/request-id-interceptor.js';

describe('requestIdFrom', () => {
  const from = (value?: string) => requestIdFrom(new Headers(value === undefined ? {} : { 'x-request-id': value }));

  it("keeps a caller's id of 1 to 128 letters, digits and . _ : -", () => {
    for (const id of ['a', 'req-1', 'trace:01.ab_c-d', 'Z'.repeat(128)]) expect(from(id)).toBe(id);
  });

  it('makes a UUIDv7 when there is none or it is not such an id', () => {
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    for (const given of [undefined, '', 'two words', 'a/b', 'x'.repeat(129), 'line\tbreak']) expect(from(given), String(given)).toMatch(uuid);
    expect(from()).not.toBe(from());
  });
});
