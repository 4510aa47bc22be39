/**
 * Types for the part of libheif-js's WebAssembly bundle that image-heic.ts uses (the package types only its asm.js
 * entry, and not its JavaScript wrapper classes).
 */
declare module 'libheif-js/wasm-bundle.js' {
  interface HeifImage {
    /** The libheif image handle, for heif_js_decode_image2. */
    handle: unknown;
    get_width(): number;
    get_height(): number;
    has_alpha_channel(): boolean;
    free(): void;
  }
  /** Embind enum values: objects, compared by identity. */
  type Enum = object;
  interface Plane {
    id: Enum;
    width: number;
    height: number;
    stride: number;
    /** A view into the WebAssembly heap: valid until the image is released. */
    data: Uint8Array;
  }
  type Decoded = { image: unknown; channels: Plane[] } | { code: number; message?: string };
  interface LibHeif {
    HeifDecoder: new () => { decoder?: { delete(): void }; decode(bytes: Uint8Array): HeifImage[] };
    heif_js_decode_image2(handle: unknown, colorspace: Enum, chroma: Enum): Decoded | Promise<Decoded>;
    heif_image_release(image: unknown): void;
    heif_colorspace: { heif_colorspace_RGB: Enum };
    heif_chroma: { heif_chroma_interleaved_RGB: Enum; heif_chroma_interleaved_RGBA: Enum };
    heif_channel: { heif_channel_interleaved: Enum };
  }
  const libheif: LibHeif;
  export default libheif;
}
