/** The part of imagetracerjs 1.2.6 (a CommonJS module exporting one tracer instance) this service uses. */
declare module 'imagetracerjs' {
  namespace ImageTracer {
    interface Rgba {
      r: number;
      g: number;
      b: number;
      a: number;
    }
    interface ImageData {
      width: number;
      height: number;
      /** RGBA, 4 bytes a pixel. */
      data: Uint8Array | Uint8ClampedArray;
    }
    /** One layer of paths per palette colour. */
    interface TraceData {
      layers: unknown[][];
      palette: Rgba[];
      width: number;
      height: number;
    }
    interface Options {
      ltres?: number;
      qtres?: number;
      pathomit?: number;
      rightangleenhance?: boolean;
      /** 0 a generated palette, 1 random sampling, 2 deterministic sampling. */
      colorsampling?: 0 | 1 | 2;
      numberofcolors?: number;
      mincolorratio?: number;
      colorquantcycles?: number;
      pal?: Rgba[];
      layering?: 0 | 1;
      strokewidth?: number;
      linefilter?: boolean;
      scale?: number;
      roundcoords?: number;
      viewbox?: boolean;
      desc?: boolean;
      blurradius?: number;
      blurdelta?: number;
    }
    interface Tracer {
      imagedataToTracedata(imageData: ImageData, options?: Options): TraceData;
      getsvgstring(traceData: TraceData, options?: Options): string;
    }
  }
  const tracer: ImageTracer.Tracer;
  export = tracer;
}
