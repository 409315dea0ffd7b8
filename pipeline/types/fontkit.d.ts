// The part of fontkit Tanu uses (the package ships no types).
declare module 'fontkit' {
  export function create(buffer: Uint8Array): unknown;
}
