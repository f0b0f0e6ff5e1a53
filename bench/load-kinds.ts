import * as grpc from '@grpc/grpc-js';
import { create, toBinary, type DescMessage, type MessageInitShape } from '@bufbuild/protobuf';
import { GenerateColorPaletteRequestSchema, UploadImageRequestSchema } from '../gen/image/v1/image_service_pb.js';
import { AnalyzeImageRequestSchema, ProcessForExportRequestSchema } from '../gen/image/v1/processing_service_pb.js';
import { grpcCode, type GrpcChannel } from './grpc-channel.js';
import { slowConnectCall } from './slow-connections.js';

export interface LoadInputs {
  /** Real photos (JPEG and PNG). */
  photos: { name: string; data: Buffer }[];
  /** The largest photo, uploaded now and then. */
  big?: { name: string; data: Buffer };
  /** Broken files (../shared/images/bad). */
  broken: { name: string; data: Buffer }[];
  /** Images stored before the run, for the calls that take an id. */
  imageIds: string[];
}

interface LoadCall {
  channel: GrpcChannel;
  address: string;
  deadlineMs: number;
  /** Counts this kind's calls, to cycle through its inputs. */
  index: number;
}

/** One kind of traffic: its share of the calls, and one call answering a gRPC code name ("OK", ...). */
export interface LoadKind {
  name: string;
  weight: number;
  call(c: LoadCall): Promise<string>;
}

const UPLOAD = '/image.v1.ImageService/UploadImage';
const PALETTE = '/image.v1.ImageService/GenerateColorPalette';
const ANALYZE = '/image.v1.ProcessingService/AnalyzeImage';
const EXPORT = '/image.v1.ProcessingService/ProcessForExport';

/** Encoded once, before the clock starts: the clients' own protobuf work would be taken from the server. */
function encode<T extends DescMessage>(schema: T, init: MessageInitShape<T>): Buffer {
  return Buffer.from(toBinary(schema, create(schema, init)));
}

/** A unary call with one of `requests`, cycling; answers the code name. */
function unary(path: string, requests: Buffer[]) {
  return ({ channel, deadlineMs, index }: LoadCall) =>
    channel.unaryBytes(path, requests[index % requests.length], deadlineMs).then(
      () => 'OK',
      (error: unknown) => grpc.status[grpcCode(error) ?? grpc.status.UNKNOWN] ?? 'UNKNOWN',
    );
}

/**
 * The mixed traffic of `npm run bench:load`: what an image service's clients send (uploads, thumbnails,
 * palettes, analysis), what broken clients send (broken and cut-short files, random bytes), and bodies
 * that arrive slowly over HTTP/1.1. The weights are shares of the calls.
 */
export function loadKinds(inputs: LoadInputs): LoadKind[] {
  const { photos, big, broken, imageIds } = inputs;
  const uploads = photos.map((p) => encode(UploadImageRequestSchema, { fileData: p.data, filename: p.name }));
  const thumbnails = photos.flatMap((p) =>
    ['jpeg', 'webp'].map((format) =>
      encode(ProcessForExportRequestSchema, { imageData: p.data, format, resize: { width: 300, height: 300, maintainAspectRatio: true }, exportOptions: { quality: 80 } }),
    ),
  );
  const analyses = photos.map((p) => encode(AnalyzeImageRequestSchema, { imageData: p.data }));
  const palettes = imageIds.map((imageId) => encode(GenerateColorPaletteRequestSchema, { imageId, numColors: 5 }));
  const bad = [
    ...broken,
    // Cut short at a third, as an interrupted upload would be.
    ...photos.map((p) => ({ name: p.name, data: p.data.subarray(0, Math.floor(p.data.length / 3)) })),
    { name: 'noise.bin', data: Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251)) },
  ].map((b) => encode(UploadImageRequestSchema, { fileData: b.data, filename: b.name }));
  // The smallest photo, so a slow body is a few hundred KB.
  const smallest = [...photos].sort((a, b) => a.data.length - b.data.length)[0];
  const slowBody = encode(AnalyzeImageRequestSchema, { imageData: smallest.data });
  const kinds: LoadKind[] = [
    { name: 'upload', weight: 14, call: unary(UPLOAD, uploads) },
    { name: 'thumbnail', weight: 30, call: unary(EXPORT, thumbnails) },
    { name: 'palette', weight: 12, call: unary(PALETTE, palettes) },
    { name: 'analysis', weight: 14, call: unary(ANALYZE, analyses) },
    { name: 'bad input', weight: 20, call: unary(UPLOAD, bad) },
    { name: 'slow body', weight: 8, call: ({ address, deadlineMs }) => slowConnectCall(address, ANALYZE, slowBody, 3, deadlineMs) },
  ];
  if (big) kinds.push({ name: `upload ${big.name}`, weight: 2, call: unary(UPLOAD, [encode(UploadImageRequestSchema, { fileData: big.data, filename: big.name })]) });
  return kinds;
}

/** The kind for a number in [0, 1): each kind's share is its weight over the sum. */
export function pickKind(kinds: readonly LoadKind[], at: number): LoadKind {
  const total = kinds.reduce((sum, k) => sum + k.weight, 0);
  let left = at * total;
  for (const kind of kinds) {
    left -= kind.weight;
    if (left < 0) return kind;
  }
  return kinds[kinds.length - 1];
}
