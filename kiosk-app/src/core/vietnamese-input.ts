/**
 * Telex and VNI input for the on-screen keyboard. Each key is applied to the last word of the text: the word is
 * taken apart into letters (with their shape: â ă ê ô ơ ư đ) and one tone, the key changes one of them, and the
 * word is put back together with the tone on the vowel the modern rules choose ("hoà", "thuý", "người").
 * Pressing a modifier again undoes it and types the key itself ("ass" → "as", "aaa" → "aa", "ddd" → "dd").
 */
export type InputMethod = 'telex' | 'vni' | 'off';

export type Tone = 'none' | 'acute' | 'grave' | 'hook' | 'tilde' | 'dot';
type Shape = 'none' | 'circumflex' | 'breve' | 'horn' | 'stroke';

interface Letter {
  base: string; // one ASCII letter, original case
  shape: Shape;
}

const TONE_MARKS: Record<Exclude<Tone, 'none'>, string> = {
  acute: '\u0301',
  grave: '\u0300',
  hook: '\u0309',
  tilde: '\u0303',
  dot: '\u0323',
};
const SHAPE_MARKS: Record<Exclude<Shape, 'none' | 'stroke'>, string> = {
  circumflex: '\u0302',
  breve: '\u0306',
  horn: '\u031b',
};
const TELEX_TONES: Record<string, Tone> = { s: 'acute', f: 'grave', r: 'hook', x: 'tilde', j: 'dot', z: 'none' };
const VNI_TONES: Record<string, Tone> = { '1': 'acute', '2': 'grave', '3': 'hook', '4': 'tilde', '5': 'dot', '0': 'none' };
const VOWELS = new Set(['a', 'e', 'i', 'o', 'u', 'y']);

const isVowel = (letter: Letter) => VOWELS.has(letter.base.toLowerCase());
const lower = (letter: Letter) => letter.base.toLowerCase();

/** Applies one key to the text and returns the new text. */
export function applyKey(text: string, key: string, method: InputMethod): string {
  if (method === 'off' || key.length !== 1) return text + key;
  const match = /[\p{L}]+$/u.exec(text.normalize('NFC'));
  const head = match ? text.normalize('NFC').slice(0, match.index) : text.normalize('NFC');
  const word = match ? match[0] : '';
  const parsed = parseWord(word);
  if (!parsed) return text + key;
  const next = method === 'telex' ? applyTelex(parsed, key) : applyVni(parsed, key);
  return head + composeWord(hornBothAfterUo(next));
}

interface Word {
  letters: Letter[];
  tone: Tone;
}

function parseWord(word: string): Word | undefined {
  const letters: Letter[] = [];
  let tone: Tone = 'none';
  for (const char of word) {
    const decomposed = char.normalize('NFD');
    let base = decomposed[0]!;
    let shape: Shape = 'none';
    if (base === 'đ' || base === 'Đ') {
      shape = 'stroke';
      base = base === 'đ' ? 'd' : 'D';
    }
    if (!/^[a-zA-Z]$/.test(base)) return undefined; // not a Vietnamese/Latin word: leave it alone
    for (const mark of decomposed.slice(1)) {
      const toneName = (Object.keys(TONE_MARKS) as (keyof typeof TONE_MARKS)[]).find((name) => TONE_MARKS[name] === mark);
      const shapeName = (Object.keys(SHAPE_MARKS) as (keyof typeof SHAPE_MARKS)[]).find((name) => SHAPE_MARKS[name] === mark);
      if (toneName) tone = toneName;
      else if (shapeName) shape = shapeName;
    }
    letters.push({ base, shape });
  }
  return { letters, tone };
}

const literal = (word: Word, key: string): Word => ({ ...word, letters: [...word.letters, { base: key, shape: 'none' }] });

function hasVowel(word: Word): boolean {
  return word.letters.some(isVowel);
}

function applyTone(word: Word, key: string, tone: Tone): Word {
  if (!hasVowel(word)) return literal(word, key);
  if (tone === 'none') return word.tone === 'none' ? literal(word, key) : { ...word, tone: 'none' };
  if (word.tone === tone) return literal({ ...word, tone: 'none' }, key); // repeat = undo
  return { ...word, tone };
}

/** Sets `shape` on the last vowel of the nucleus whose base is one of `bases`; a repeat undoes it. */
function applyShape(word: Word, key: string, shape: Shape, bases: string[]): Word {
  const letters = word.letters.map((letter) => ({ ...letter }));
  const nucleus = nucleusIndices(letters);
  if (shape === 'horn') {
    // "uo" takes the horn on both letters: "ươ" (người, mượn).
    const u = nucleus.find((i) => lower(letters[i]!) === 'u' && letters[i + 1] && lower(letters[i + 1]!) === 'o');
    if (u !== undefined) {
      const o = u + 1;
      if (letters[o]!.shape === 'horn') {
        letters[u]!.shape = 'none';
        letters[o]!.shape = 'none';
        return literal({ ...word, letters }, key);
      }
      // At the end of a word "uo" + horn is "uơ" (thuở, huơ); a letter typed after it makes it "ươ" (see
      // hornBothAfterUo). A ư typed explicitly keeps its horn.
      if (o < letters.length - 1 || letters[u]!.shape === 'horn') letters[u]!.shape = 'horn';
      letters[o]!.shape = 'horn';
      return { ...word, letters };
    }
  }
  for (let k = nucleus.length - 1; k >= 0; k--) {
    const letter = letters[nucleus[k]!]!;
    if (!bases.includes(lower(letter))) continue;
    if (letter.shape === shape) {
      letter.shape = 'none';
      return literal({ ...word, letters }, key);
    }
    letter.shape = shape;
    return { ...word, letters };
  }
  return literal(word, key);
}

function applyStroke(word: Word, key: string): Word {
  const first = word.letters[0];
  if (!first || lower(first) !== 'd') return literal(word, key);
  const letters = word.letters.map((letter) => ({ ...letter }));
  if (first.shape === 'stroke') {
    letters[0]!.shape = 'none';
    return literal({ ...word, letters }, key);
  }
  letters[0]!.shape = 'stroke';
  return { ...word, letters };
}

function applyTelex(word: Word, key: string): Word {
  const k = key.toLowerCase();
  if (k in TELEX_TONES && word.letters.length > 0) return applyTone(word, key, TELEX_TONES[k]!);
  // "dd" → "đ"; "did" → "đi" too, as common Telex engines accept, but only for a word that begins with d.
  if (k === 'd' && word.letters[0] && lower(word.letters[0]) === 'd') return applyStroke(word, key);
  if ((k === 'a' || k === 'e' || k === 'o') && hasVowel(word)) {
    const nucleus = nucleusIndices(word.letters);
    if (nucleus.some((i) => lower(word.letters[i]!) === k)) return applyShape(word, key, 'circumflex', [k]);
  }
  if (k === 'w') {
    if (!hasVowel(word)) {
      return { ...word, letters: [...word.letters, { base: key === 'W' ? 'U' : 'u', shape: 'horn' }] };
    }
    if (word.letters.length === 1 && word.letters[0]!.shape === 'horn' && lower(word.letters[0]!) === 'u') {
      return { ...word, letters: [{ base: key, shape: 'none' }] };
    }
    const nucleus = nucleusIndices(word.letters);
    const last = nucleus.map((i) => word.letters[i]!).filter((l) => ['a', 'o', 'u'].includes(lower(l)));
    const target = last.at(-1);
    if (target && lower(target) === 'a') return applyShape(word, key, 'breve', ['a']);
    return applyShape(word, key, 'horn', ['o', 'u']);
  }
  return literal(word, key);
}

function applyVni(word: Word, key: string): Word {
  if (key in VNI_TONES && word.letters.length > 0) return applyTone(word, key, VNI_TONES[key]!);
  if (word.letters.length === 0) return literal(word, key);
  if (key === '6') return applyShape(word, key, 'circumflex', ['a', 'e', 'o']);
  if (key === '7') return applyShape(word, key, 'horn', ['o', 'u']);
  if (key === '8') return applyShape(word, key, 'breve', ['a']);
  if (key === '9') return applyStroke(word, key);
  return literal(word, key);
}

/** "uơ" followed by another letter is always "ươ" (mượn, người, thương); "qu" + "ơ" keeps its plain u. */
function hornBothAfterUo(word: Word): Word {
  const letters = word.letters;
  for (let i = 0; i + 2 < letters.length; i++) {
    const [u, o] = [letters[i]!, letters[i + 1]!];
    const afterQ = i > 0 && lower(letters[i - 1]!) === 'q';
    if (lower(u) === 'u' && u.shape === 'none' && lower(o) === 'o' && o.shape === 'horn' && !afterQ) {
      return { ...word, letters: letters.map((letter, index) => (index === i ? { ...letter, shape: 'horn' } : letter)) };
    }
  }
  return word;
}

/**
 * Indices of the vowel nucleus (the last run of vowels), excluding the u of "qu" and the i of "gi" when another
 * vowel follows (quá, giữ): those belong to the initial consonant.
 */
function nucleusIndices(letters: Letter[]): number[] {
  let end = letters.length - 1;
  while (end >= 0 && !isVowel(letters[end]!)) end--;
  if (end < 0) return [];
  let start = end;
  while (start > 0 && isVowel(letters[start - 1]!)) start--;
  const initial = letters
    .slice(0, start)
    .map((l) => lower(l))
    .join('');
  const first = letters[start]!;
  if (start < end && first.shape === 'none') {
    if (initial === 'q' && lower(first) === 'u') start++;
    else if (initial === 'g' && lower(first) === 'i') start++;
  }
  return Array.from({ length: end - start + 1 }, (_, i) => start + i);
}

/**
 * The vowel that carries the tone (modern rules): a shaped vowel (the last one: "ươ" → ơ); else the last vowel
 * when a consonant follows ("toán"); else for two vowels the second of oa/oe/uy ("hoà", "khoẻ", "thuý") and the
 * first of the others ("mía", "múa", "tài"); for three, the middle one ("khuỷu", "xoáy").
 */
export function toneIndex(letters: Letter[]): number | undefined {
  const nucleus = nucleusIndices(letters);
  if (nucleus.length === 0) return undefined;
  const shaped = nucleus.filter((i) => letters[i]!.shape !== 'none');
  if (shaped.length > 0) return shaped.at(-1);
  const last = nucleus.at(-1)!;
  if (last < letters.length - 1) return last;
  if (nucleus.length === 1) return last;
  if (nucleus.length === 2) {
    const pair = nucleus.map((i) => lower(letters[i]!)).join('');
    return ['oa', 'oe', 'uy'].includes(pair) ? nucleus[1] : nucleus[0];
  }
  return nucleus[1];
}

function composeWord(word: Word): string {
  const at = word.tone === 'none' ? undefined : toneIndex(word.letters);
  return word.letters
    .map((letter, index) => {
      let text = letter.base;
      if (letter.shape === 'stroke') text = letter.base === 'd' ? 'đ' : letter.base === 'D' ? 'Đ' : letter.base;
      else if (letter.shape !== 'none') text += SHAPE_MARKS[letter.shape];
      if (index === at && word.tone !== 'none') text += TONE_MARKS[word.tone];
      return text.normalize('NFC');
    })
    .join('');
}

/** Types a whole key sequence (tests, tone picker). */
export function typeKeys(keys: string, method: InputMethod, start = ''): string {
  let text = start;
  for (const key of keys) text = applyKey(text, key, method);
  return text;
}

/** The tone picker: puts `tone` on the last word, whatever the input method. */
export function setTone(text: string, tone: Tone): string {
  const match = /[\p{L}]+$/u.exec(text.normalize('NFC'));
  if (!match) return text;
  const parsed = parseWord(match[0]);
  if (!parsed?.letters.some(isVowel)) return text;
  return text.normalize('NFC').slice(0, match.index) + composeWord({ ...parsed, tone });
}
