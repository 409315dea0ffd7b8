/** East Asian wide and fullwidth characters and emoji take two columns of a terminal (or of a spreadsheet's column). */
const WIDE = /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{1f300}-\u{1faff}\u{20000}-\u{3fffd}]/u;

/** Columns a text takes on a terminal: combining marks none, wide characters two. */
export const displayWidth = (text: string) => [...text].reduce((n, ch) => n + (/\p{M}/u.test(ch) ? 0 : WIDE.test(ch) ? 2 : 1), 0);
