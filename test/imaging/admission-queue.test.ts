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

describe('AdmissionQueue with a weight budget', () => {
  const signal = new AbortController().signal;

  it('admits while the combined weight fits, then queues', async () => {
    const sut = new AdmissionQueue(4, 4, 10);
    await sut.acquire(signal, full, 4);
    await sut.acquire(signal, full, 4);
    const third = sut.acquire(signal, full, 4);
    expect({ running: sut.running, queued: sut.queued, weight: sut.runningWeight }).toEqual({ running: 2, queued: 1, weight: 8 });
    let admitted = false;
    void third.then(() => (admitted = true));
    await Promise.resolve();
    expect(admitted).toBe(false);
  });

  it('runs one operation heavier than the whole budget, alone', async () => {
    const sut = new AdmissionQueue(4, 4, 10);
    const small = await sut.acquire(signal, full, 2);
    const huge = sut.acquire(signal, full, 50);
    expect(sut.queued).toBe(1);
    small();
    const hugeRelease = await huge;
    expect({ running: sut.running, weight: sut.runningWeight }).toEqual({ running: 1, weight: 50 });
    // Nothing joins it while it runs, however light.
    const light = sut.acquire(signal, full, 1);
    expect(sut.queued).toBe(1);
    hugeRelease();
    await light;
    expect({ running: sut.running, weight: sut.runningWeight }).toEqual({ running: 1, weight: 1 });
  });

  it('keeps arrival order: a light waiter does not overtake a heavy one at the head', async () => {
    const sut = new AdmissionQueue(4, 4, 10);
    const first = await sut.acquire(signal, full, 6);
    const order: string[] = [];
    const heavy = sut.acquire(signal, full, 8).then((r) => (order.push('heavy'), r));
    const light = sut.acquire(signal, full, 1).then((r) => (order.push('light'), r));
    await Promise.resolve();
    expect(order).toEqual([]);
    first();
    (await heavy)();
    (await light)();
    expect(order).toEqual(['heavy', 'light']);
    expect({ running: sut.running, weight: sut.runningWeight }).toEqual({ running: 0, weight: 0 });
  });

  it('one release admits every waiter that now fits', async () => {
    const sut = new AdmissionQueue(8, 8, 10);
    const big = await sut.acquire(signal, full, 9);
    const smalls = [sut.acquire(signal, full, 3), sut.acquire(signal, full, 3), sut.acquire(signal, full, 3), sut.acquire(signal, full, 3)];
    expect(sut.queued).toBe(4);
    big();
    await Promise.all(smalls.slice(0, 3));
    expect({ running: sut.running, queued: sut.queued, weight: sut.runningWeight }).toEqual({ running: 3, queued: 1, weight: 9 });
  });

  it('a heavy waiter that gives up lets the lighter ones behind it in', async () => {
    const sut = new AdmissionQueue(4, 4, 10);
    await sut.acquire(signal, full, 5);
    const controller = new AbortController();
    const heavy = sut.acquire(controller.signal, full, 8);
    const light = sut.acquire(signal, full, 4);
    controller.abort(new Error('gone'));
    await expect(heavy).rejects.toThrow('gone');
    await light;
    expect({ running: sut.running, queued: sut.queued, weight: sut.runningWeight }).toEqual({ running: 2, queued: 0, weight: 9 });
  });

  it('still bounds the count whatever the weights', async () => {
    const sut = new AdmissionQueue(2, 4, 1000);
    await sut.acquire(signal, full, 1);
    await sut.acquire(signal, full, 1);
    void sut.acquire(signal, full, 1);
    expect({ running: sut.running, queued: sut.queued }).toEqual({ running: 2, queued: 1 });
  });
});
