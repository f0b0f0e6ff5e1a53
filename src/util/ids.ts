import { v7 } from 'uuid';

/** Opaque, time-sortable, unguessable ids (UUIDv7: 48-bit time, 74 random bits). */
export function newId(): string {
  return v7();
}
