/**
 * Folds Vietnamese text for matching: NFD, drop combining marks (tones and vowel shapes), đ/Đ → d, lower case.
 * "Đăng ký Tiếng Anh" → "dang ky tieng anh". Pure; shared by the core and the renderer.
 */
export function foldVietnamese(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase();
}

/** Folded words of a text: letters and digits only, punctuation dropped. */
export function foldedWords(text: string): string[] {
  return foldVietnamese(text)
    .split(/[^a-z0-9]+/)
    .filter((word) => word.length > 0);
}
