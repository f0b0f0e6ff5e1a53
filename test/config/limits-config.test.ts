import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';

const base = { DATA_DIR: '/tmp/limits-config-test' };

function configError(env: Record<string, string>): string {
  try {
    loadConfig({ ...base, ...env });
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected the configuration to be refused');
}

describe('limits configuration', () => {
  it('has defaults for every limit, following the limits they derive from', () => {
    expect(loadConfig(base).limits).toMatchObject({
      maxInputPixels: 100_000_000,
      maxOutputPixels: 100_000_000,
      maxReadBytesPerRequest: 256 * 1024 * 1024,
      maxUploadBytesInFlight: 512 * 1024 * 1024,
      maxLutsPerRequest: 4,
      maxLutBytes: 16 * 1024 * 1024,
      maxSvgBytes: 2 * 1024 * 1024,
      maxSvgElements: 100_000,
      maxSvgDepth: 50,
      maxBatchItems: 10_000,
    });
    expect(loadConfig({ ...base, WORKER_THREADS: '3' }).limits.maxBatchInFlight).toBe(6);
    expect(loadConfig({ ...base, MAX_CONCURRENT_OPERATIONS: '5' }).limits.maxBatchInFlight).toBe(5);
    expect(loadConfig({ ...base, MAX_INPUT_PIXELS: '50000000', MAX_UPLOAD_BYTES: '1048576' }).limits).toMatchObject({
      maxOutputPixels: 50_000_000,
      maxReadBytesPerRequest: 1_048_576,
      maxUploadBytesInFlight: 2_097_152,
    });
  });

  it('takes each limit from the environment', () => {
    const env = {
      MAX_OUTPUT_PIXELS: '1000',
      MAX_READ_BYTES_PER_REQUEST: '2048',
      MAX_UPLOAD_BYTES_IN_FLIGHT: '999999999',
      MAX_LUTS_PER_REQUEST: '0',
      MAX_LUT_BYTES: '4096',
      MAX_SVG_BYTES: '8192',
      MAX_SVG_ELEMENTS: '500',
      MAX_SVG_DEPTH: '256',
      MAX_BATCH_IN_FLIGHT: '12',
      MAX_BATCH_ITEMS: '50',
    };
    expect(loadConfig({ ...base, ...env }).limits).toMatchObject({
      maxOutputPixels: 1000,
      maxReadBytesPerRequest: 2048,
      maxUploadBytesInFlight: 999_999_999,
      maxLutsPerRequest: 0,
      maxLutBytes: 4096,
      maxSvgBytes: 8192,
      maxSvgElements: 500,
      maxSvgDepth: 256,
      maxBatchInFlight: 12,
      maxBatchItems: 50,
    });
  });

  it('refuses bad values, naming the variable, the range and the value', () => {
    expect(configError({ MAX_OUTPUT_PIXELS: '0' })).toBe('config MAX_OUTPUT_PIXELS: expected an integer from 1 to 4294967296, received "0"');
    expect(configError({ MAX_READ_BYTES_PER_REQUEST: 'lots' })).toBe('config MAX_READ_BYTES_PER_REQUEST: expected an integer from 1024 to 9007199254740991, received "lots"');
    expect(configError({ MAX_LUTS_PER_REQUEST: '-1' })).toBe('config MAX_LUTS_PER_REQUEST: expected an integer from 0 to 256, received "-1"');
    expect(configError({ MAX_LUT_BYTES: '1.5' })).toBe('config MAX_LUT_BYTES: expected an integer from 1024 to 2147483647, received "1.5"');
    expect(configError({ MAX_BATCH_IN_FLIGHT: '0' })).toBe('config MAX_BATCH_IN_FLIGHT: expected an integer from 1 to 4096, received "0"');
    expect(configError({ MAX_BATCH_ITEMS: 'many' })).toBe('config MAX_BATCH_ITEMS: expected an integer from 1 to 100000000, received "many"');
    expect(configError({ MAX_SVG_BYTES: '10' })).toBe('config MAX_SVG_BYTES: expected an integer from 1024 to 2147483647, received "10"');
    expect(configError({ MAX_SVG_ELEMENTS: '0' })).toBe('config MAX_SVG_ELEMENTS: expected an integer from 1 to 10000000, received "0"');
    expect(configError({ MAX_SVG_DEPTH: '257' })).toBe('config MAX_SVG_DEPTH: expected an integer from 1 to 256, received "257"');
    expect(configError({ MAX_UPLOAD_BYTES: '4096', MAX_UPLOAD_BYTES_IN_FLIGHT: '2048' })).toBe('config MAX_UPLOAD_BYTES_IN_FLIGHT: expected at least MAX_UPLOAD_BYTES (4096), received "2048"');
  });
});
