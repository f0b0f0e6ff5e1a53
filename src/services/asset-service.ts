import type { Readable } from 'node:stream';
import { TENANT_PATTERN, uploaderOf } from '../auth/principal.js';
import type { ImageKind, ImageRecord } from '../domain/image-record.js';
import { imageNotFound, invalidArgument, storageUnavailable, tooLarge } from '../errors/index.js';
import type { ImageProcessor, ProbeResult } from '../imaging/image-processor.js';
import { CONTENT_TYPES, OUTPUT_FORMATS, parseFormat } from '../imaging/image-formats.js';
import type { Database, Page } from '../persistence/repositories.js';
import type { BlobStore } from '../storage/blob-store.js';
import { blobKeyFor, sha256Hex } from '../storage/blob-key.js';
import type { UrlSigner } from '../storage/url-signer.js';
import { newId } from '../util/ids.js';
import { checkId, checkIntInRange, checkMaxLength } from '../validation/check.js';
import { tenantOf, type CallOptions } from './call-options.js';
import { xmpPacket } from './xmp-packet.js';


export interface AssetServiceDeps {
  db: Database;
  blobs: BlobStore;
  images: ImageProcessor;
  signer: UrlSigner;
  /** Base URL of this service's own /files route (known only once it listens). */
  publicBaseUrl: () => string;
  /** maxReadBytesPerRequest: stored bytes one request may read (default: no bound). */
  limits: { maxUploadBytes: number; maxMetadataBytes: number; maxReadBytesPerRequest?: number };
  urls: { defaultExpirySeconds: number; maxExpirySeconds: number };
  /** Told of every image deleted here, so what remembers rows (recent-sources.ts) forgets it at once. */
  onDeleted?: (tenant: string, id: string) => void;
  now?: () => Date;
}

export interface UploadInput {
  data: Uint8Array;
  filename: string;
  declaredContentType: string;
  metadata: Record<string, unknown> | null;
  uploaderId: string;
}

/** What identifies a new image and its lineage, whatever its bytes. */
export interface NewImageInfo {
  kind: ImageKind;
  filename: string;
  declaredContentType: string;
  metadata: Record<string, unknown> | null;
  upload?: ImageRecord['upload'];
  generation?: ImageRecord['generation'];
  processing?: ImageRecord['processing'];
  /** Lineage for images derived by other means than processing (generated variations, refinements). */
  sourceImageId?: string;
  operationKey?: string | null;
  derivationKey?: string | null;
}

/** A new image to store: bytes plus what is known of them. Used by uploads and derived images alike. */
export interface NewImage extends NewImageInfo {
  data: Uint8Array;
  /** Set for bytes this service just encoded itself: what a probe would find, so none is needed. */
  encoded?: { contentType: string; width: number; height: number };
}

/** The bytes of a new image as stored already: their hash, size and what a probe found. */
type StoredBytes = Pick<ImageRecord, 'sha256' | 'fileSize' | 'contentType' | 'width' | 'height'>;

export interface SignedDownload {
  stream: Readable;
  size: number;
  contentType: string;
  etag: string;
  filename: string;
  expiresAt: number;
}

/**
 * Images with identity: store, read, list, delete, sign and export. The other ImageService workflows
 * (processing, palettes, generation) store their results through `store`.
 */
export class AssetService {
  private readonly now: () => Date;

  constructor(private readonly deps: AssetServiceDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  async upload(input: UploadInput, call: CallOptions = {}): Promise<ImageRecord> {
    checkMaxLength('filename', input.filename, 512);
    checkMaxLength('content_type', input.declaredContentType, 255);
    checkMaxLength('uploader_id', input.uploaderId, 255);
    const uploaderId = uploaderOf(call.principal, input.uploaderId);
    return this.store(
      {
        kind: 'uploaded',
        data: input.data,
        filename: input.filename,
        declaredContentType: input.declaredContentType,
        metadata: input.metadata,
        upload: { uploaderId, originalFilename: input.filename },
      },
      'file_data',
      call,
    );
  }

  /**
   * Validates and stores an image. Order matters for consistency: everything that can reject the input
   * runs before any write; then the blob (content-addressed, so a retry rewrites the same key), then
   * the row, in a transaction that holds the blob's lock. A row therefore never points at a missing blob.
   */
  async store(image: NewImage, field: string, call: CallOptions = {}): Promise<ImageRecord> {
    if (image.data.byteLength > this.deps.limits.maxUploadBytes) {
      throw tooLarge(field, `${this.deps.limits.maxUploadBytes} bytes`, `${image.data.byteLength} bytes`, 'UPLOAD_TOO_LARGE');
    }
    this.checkMetadata(image.metadata);
    const { probe, data } = image.encoded ? { probe: image.encoded, data: image.data } : await this.probed(image.data, field, call);
    const record = this.newRecord(image, { sha256: sha256Hex(data), fileSize: data.byteLength, ...probe }, tenantOf(call));
    const { blobs } = this.deps;
    await blobs.put(record.storagePath, data, probe.contentType);
    // Under the blob's lock, when no other row holds it: a sweep may have removed it since the put.
    const ensureBlob = async () => {
      if (!(await blobs.exists(record.storagePath))) await blobs.put(record.storagePath, data, probe.contentType);
      return true;
    };
    await this.deps.db.images.insert(record, ensureBlob);
    return record;
  }

  /**
   * Stores a new image whose bytes are those of an image stored already (a derived image of a source
   * identical to another's): a record of its own sharing the blob. Undefined when that blob lost its
   * last reference and was swept meanwhile: the caller then produces the bytes itself.
   */
  async storeSharing(bytesOf: ImageRecord, image: NewImageInfo, call: CallOptions = {}): Promise<ImageRecord | undefined> {
    this.checkMetadata(image.metadata);
    const record = this.newRecord(image, bytesOf, tenantOf(call));
    const inserted = await this.deps.db.images.insert(record, () => this.deps.blobs.exists(record.storagePath));
    return inserted ? record : undefined;
  }

  private newRecord(image: NewImageInfo, bytes: StoredBytes, tenant: string): ImageRecord {
    const now = this.now();
    return {
      id: newId(),
      tenant,
      kind: image.kind,
      filename: image.filename,
      contentType: bytes.contentType,
      declaredContentType: image.declaredContentType,
      width: bytes.width,
      height: bytes.height,
      fileSize: bytes.fileSize,
      sha256: bytes.sha256,
      storagePath: blobKeyFor(bytes.sha256),
      metadata: image.metadata,
      upload: image.upload,
      generation: image.generation,
      processing: image.processing,
      sourceImageId: image.processing?.sourceImageId ?? image.sourceImageId ?? null,
      operationKey: image.operationKey ?? null,
      derivationKey: image.derivationKey ?? null,
      createdAt: now,
      updatedAt: now,
    };
  }

  /** Within the caller's tenant: another tenant's image is not found, as if it did not exist. */
  async get(imageId: string, call: CallOptions = {}): Promise<ImageRecord> {
    checkId('image_id', imageId);
    const record = await this.deps.db.images.get(tenantOf(call), imageId);
    if (!record) throw imageNotFound(imageId);
    return record;
  }

  /**
   * The record and its bytes. The size is checked from the record before the blob is read: against the
   * per-request read budget, and against `limit.maxBytes` when the caller has a bound of its own
   * (`limit.what` says what it bounds, `limit.field` names the request field in the error).
   */
  async read(imageId: string, call: CallOptions = {}, limit: { maxBytes: number; what: string; field: string } | undefined = undefined): Promise<{ record: ImageRecord; data: Buffer }> {
    const record = await this.get(imageId, call);
    this.checkRead(limit?.field ?? 'image_id', record.fileSize, `an image of ${record.fileSize} bytes`, limit);
    return { record, data: await this.bytesOf(record) };
  }

  /**
   * Several stored images for one request, by id: every record first, then their sizes (one per use,
   * since each use is decoded on its own) against the per-request read budget, then each distinct blob
   * read once. Nothing is read when the total is over the budget. `field` names the list in the error.
   */
  async readMany(imageIds: readonly string[], field: string, call: CallOptions = {}): Promise<Map<string, Buffer>> {
    const records = new Map<string, ImageRecord>();
    for (const imageId of imageIds) if (!records.has(imageId)) records.set(imageId, await this.get(imageId, call));
    const total = imageIds.reduce((sum, imageId) => sum + records.get(imageId)!.fileSize, 0);
    this.checkRead(field, total, `${total} bytes in ${imageIds.length} stored images`);
    const blobs = new Map<string, Promise<Buffer>>();
    const read = new Map<string, Buffer>();
    for (const [imageId, record] of records) {
      if (!blobs.has(record.storagePath)) blobs.set(record.storagePath, this.bytesOf(record));
      read.set(imageId, await blobs.get(record.storagePath)!);
    }
    return read;
  }

  private async bytesOf(record: ImageRecord): Promise<Buffer> {
    const data = await this.deps.blobs.get(record.storagePath);
    if (!data) throw storageUnavailable(`the bytes of image ${record.id} are missing from the blob store`);
    return data;
  }

  /** One rule for reads: at most the per-request budget, and at most the caller's own bound. */
  private checkRead(field: string, bytes: number, received: string, caller?: { maxBytes: number; what: string }): void {
    const budget = this.deps.limits.maxReadBytesPerRequest ?? Infinity;
    const [max, what] = caller !== undefined && caller.maxBytes < budget ? [caller.maxBytes, caller.what] : [budget, 'read per request'];
    if (bytes > max) throw tooLarge(field, `${max} bytes ${what}`, received, 'READ_LIMIT_EXCEEDED');
  }

  async list(query: { pageSize: number; pageToken: string; kind?: ImageKind; sourceImageId: string }, call: CallOptions = {}): Promise<Page<ImageRecord>> {
    const limit = query.pageSize === 0 ? 20 : checkIntInRange('page_size', query.pageSize, 1, 100);
    if (query.sourceImageId) checkId('source_image_id', query.sourceImageId);
    return this.deps.db.images.list(tenantOf(call), {
      limit,
      cursor: query.pageToken || undefined,
      kind: query.kind,
      sourceImageId: query.sourceImageId || undefined,
    });
  }

  /**
   * Deletes the row. Its blob may be shared (identical bytes share one), so it is not removed here:
   * when this was its last row it is marked unreferenced, and the sweep removes it after a grace
   * period, under a lock that an upload of the same bytes also takes (orphan-sweep.ts).
   */
  async delete(imageId: string, call: CallOptions = {}): Promise<void> {
    checkId('image_id', imageId);
    const tenant = tenantOf(call);
    if (!(await this.deps.db.images.delete(tenant, imageId))) throw imageNotFound(imageId);
    this.deps.onDeleted?.(tenant, imageId);
  }

  async signedUrl(imageId: string, expirationSeconds: number | undefined, call: CallOptions = {}): Promise<{ url: string; expiresAt: Date }> {
    const seconds = expirationSeconds ?? this.deps.urls.defaultExpirySeconds;
    checkIntInRange('expiration', seconds, 1, this.deps.urls.maxExpirySeconds);
    const record = await this.get(imageId, call);
    const expiresAtSeconds = Math.floor(this.now().getTime() / 1000) + seconds;
    const expiresAt = new Date(expiresAtSeconds * 1000);
    // SVG is the one stored type that runs as a document. A blob store's signed URL (an Azure SAS) can set
    // only Cache-Control, Content-Disposition, Content-Encoding, Content-Language and Content-Type, never a
    // Content-Security-Policy, so an SVG's URL is this service's /files, which sets one.
    const direct = record.contentType === CONTENT_TYPES.svg ? undefined : await this.deps.blobs.signedUrl(record.storagePath, expiresAt, record.contentType, record.filename);
    const url = direct ?? `${this.deps.publicBaseUrl()}${this.deps.signer.pathFor(record.tenant, record.id, expiresAtSeconds)}`;
    return { url, expiresAt };
  }

  /**
   * Opens the bytes behind a signed /files URL, found only within the tenant it was signed for.
   * 'forbidden' covers both a bad signature and an expired one, so a prober learns nothing about which
   * ids exist.
   */
  async openSigned(imageId: string, tenant: string, exp: string, sig: string): Promise<SignedDownload | 'forbidden' | 'gone'> {
    const expiresAt = Number(exp);
    if (!Number.isSafeInteger(expiresAt) || !sig || !TENANT_PATTERN.test(tenant)) return 'forbidden';
    if (this.deps.signer.verify(tenant, imageId, expiresAt, sig, this.now().getTime() / 1000) !== 'ok') return 'forbidden';
    const record = await this.deps.db.images.get(tenant, imageId);
    if (!record) return 'gone';
    const opened = await this.deps.blobs.openRead(record.storagePath);
    if (!opened) return 'gone';
    return { ...opened, contentType: record.contentType, etag: `"${record.sha256}"`, filename: record.filename, expiresAt };
  }

  async export(imageId: string, formatName: string, quality: number, includeMetadata: boolean, call: CallOptions = {}) {
    const output = parseFormat('format', formatName, OUTPUT_FORMATS);
    if (quality !== 0) checkIntInRange('quality', quality, 1, 100);
    const { record, data } = await this.read(imageId, call);
    return this.deps.images.run(
      data,
      {
        steps: [],
        output: {
          format: output,
          quality: quality || undefined,
          keepMetadata: includeMetadata,
          xmp: includeMetadata
            ? xmpPacket({ imageId: record.id, metadata: record.metadata, prompt: record.generation?.prompt, model: record.generation?.model })
            : undefined,
        },
      },
      call,
    );
  }

  /** What the bytes are, and what to store of them: an SVG as sanitised, never as sent. */
  private async probed(data: Uint8Array, field: string, call: CallOptions): Promise<{ probe: ProbeResult; data: Uint8Array }> {
    const probe = await this.deps.images.probe(data, field, call);
    return { probe, data: probe.sanitized ?? data };
  }

  private checkMetadata(metadata: Record<string, unknown> | null): void {
    if (!metadata) return;
    const size = Buffer.byteLength(JSON.stringify(metadata));
    if (size > this.deps.limits.maxMetadataBytes) {
      throw invalidArgument('metadata', `at most ${this.deps.limits.maxMetadataBytes} bytes of JSON`, `${size} bytes`);
    }
  }
}
