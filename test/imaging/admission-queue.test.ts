import { describe, expect, it } from 'vitest';
import { AdmissionQueue } from '../../src/imaging/admission-queue.js';

const full = () => new Error('full');

describe('AdmissionQueue', () => {
  it('admits up to maxRunning, queues up to maxQueued, refuses the rest at once', async () => {
    const sut = new AdmissionQueue(1, 1);
    const signal = new AbortController().signal;
    const first = await sut.acquire(signal, full);
    const second = sut.acquire(signal, full);
    await expect(sut.acquire(signal, full)).rejects.toThrow('full');
    expect({ running: sut.running, queued: sut.queued }).toEqual({ running: 1, queued: 1 });
    first();
    const secondRelease = await second;
    expect({ running: sut.running, queued: sut.queued }).toEqual({ running: 1, queued: 0 });
    secondRelease();
    expect({ running: sut.running, queued: sut.queued }).toEqual({ running: 0, queued: 0 });
  });

  it('drops a waiter whose signal aborts, with the signal reason, and never admits it', async () => {
    const sut = new AdmissionQueue(1, 4);
    const release = await sut.acquire(new AbortController().signal, full);
    const controller = new AbortController();
    const waiting = sut.acquire(controller.signal, full);
    controller.abort(new Error('gone'));
    await expect(waiting).rejects.toThrow('gone');
    expect(sut.queued).toBe(0);
    release();
    expect(sut.running).toBe(0);
  });

  it('ignores a second release', async () => {
    const sut = new AdmissionQueue(2, 0);
    const signal = new AbortController().signal;
    const a = await sut.acquire(signal, full);
    await sut.acquire(signal, full);
    a();
    a();
    expect(sut.running).toBe(1);
  });

  it('refuses an already aborted signal and, on refuseAll, every waiter', async () => {
    const sut = new AdmissionQueue(1, 4);
    const aborted = AbortSignal.abort(new Error('already'));
    await expect(sut.acquire(aborted, full)).rejects.toThrow('already');
    const signal = new AbortController().signal;
    await sut.acquire(signal, full);
    const waiters = [sut.acquire(signal, full), sut.acquire(signal, full)];
    sut.refuseAll(new Error('closing'));
    for (const w of waiters) await expect(w).rejects.toThrow('closing');
    expect(sut.queued).toBe(0);
  });
});
