import * as grpc from '@grpc/grpc-js';
import { create } from '@bufbuild/protobuf';
import { UploadImageRequestSchema } from '../../gen/image/v1/image_service_pb.js';
import { AnalyzeImageRequestSchema, ProcessForExportRequestSchema } from '../../gen/image/v1/processing_service_pb.js';
import { unary } from '../support/grpc-js-client.js';
import type { FuzzCase } from './fuzz-case.js';

/** Each call's deadline: a call still running then answers DEADLINE_EXCEEDED, which is a failure. */
const CALL_DEADLINE_MS = 20_000;

/** The answers hostile bytes may get: a result, or a clear refusal. */
const ACCEPTABLE = new Set([grpc.status.OK, grpc.status.INVALID_ARGUMENT, grpc.status.RESOURCE_EXHAUSTED]);

/** INVALID_ARGUMENT names the field: "<field>: expected ..., received ..." or "<field>: truncated or corrupt ...". */
const NAMES_A_FIELD = /^[a-z_]+(\.[a-z_]+|\[\d+\])*: \S/;

export interface Answer {
  rpc: string;
  code: grpc.status;
  details: string;
}

export interface Clients {
  images: grpc.Client;
  processing: grpc.Client;
}

async function answer(rpc: string, call: Promise<unknown>): Promise<Answer> {
  try {
    await call;
    return { rpc, code: grpc.status.OK, details: '' };
  } catch (error) {
    const e = error as Partial<grpc.ServiceError>;
    return { rpc, code: e.code ?? grpc.status.UNKNOWN, details: e.details ?? String(error) };
  }
}

/** The three calls every case goes through, one after another, each with its own deadline. */
export async function runCase({ images, processing }: Clients, c: FuzzCase): Promise<Answer[]> {
  const options = () => ({ deadline: Date.now() + CALL_DEADLINE_MS });
  return [
    await answer('UploadImage', unary(images, 'uploadImage', create(UploadImageRequestSchema, { fileData: c.data, filename: `fuzz-${c.id}.${c.format}` }), options())),
    await answer('AnalyzeImage', unary(processing, 'analyzeImage', create(AnalyzeImageRequestSchema, { imageData: c.data }), options())),
    await answer(
      'ProcessForExport',
      unary(processing, 'processForExport', create(ProcessForExportRequestSchema, { imageData: c.data, format: c.exportFormat, resize: { width: 32, height: 32, maintainAspectRatio: true } }), options()),
    ),
  ];
}

/** What is wrong with an answer, in words; undefined when nothing is. */
export function problem(a: Answer): string | undefined {
  if (!ACCEPTABLE.has(a.code)) return `${a.rpc}: ${grpc.status[a.code]} ${a.details}`;
  if (a.code === grpc.status.INVALID_ARGUMENT && !NAMES_A_FIELD.test(a.details)) return `${a.rpc}: INVALID_ARGUMENT without a field: ${JSON.stringify(a.details)}`;
  return undefined;
}
