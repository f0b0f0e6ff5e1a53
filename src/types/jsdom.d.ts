/** The part of jsdom this service uses: a window for DOMPurify (see imaging/sanitize-svg.ts). */
declare module 'jsdom' {
  export class JSDOM {
    constructor(html?: string);
    readonly window: object;
  }
}
