import { foldedWords } from './fold.js';

/** A searchable document: an id and weighted texts (title counts more than description). */
export interface SearchDocument {
  id: string;
  fields: { text: string; weight: number }[];
}

export interface SearchHit {
  id: string;
  score: number;
}

/** Longest query we take: a kiosk keyboard produces nothing longer; anything longer is noise. */
export const MAX_QUERY_LENGTH = 80;
const MAX_QUERY_WORDS = 8;

/**
 * An inverted index over folded words. Each query word is matched against the vocabulary (a few thousand
 * distinct words even for 10,000 courses), never against every document, so a keystroke costs a vocabulary
 * scan plus the postings of the words that matched.
 */
export class SearchIndex {
  private readonly vocabulary: string[] = [];
  private readonly postingDocs: Int32Array[] = [];
  private readonly postingWeights: Float32Array[] = [];
  private readonly ids: string[] = [];
  // Scratch space reused by every search: a keystroke allocates almost nothing.
  private readonly score: Float64Array;
  private readonly matched: Uint8Array;
  private readonly wordBest: Float32Array;

  constructor(documents: readonly SearchDocument[]) {
    const postings = new Map<string, Map<number, number>>();
    documents.forEach((document, index) => {
      this.ids.push(document.id);
      for (const field of document.fields) {
        for (const word of foldedWords(field.text)) {
          let posting = postings.get(word);
          if (!posting) {
            posting = new Map();
            postings.set(word, posting);
          }
          posting.set(index, Math.max(posting.get(index) ?? 0, field.weight));
        }
      }
    });
    for (const [word, posting] of postings) {
      this.vocabulary.push(word);
      this.postingDocs.push(Int32Array.from(posting.keys()));
      this.postingWeights.push(Float32Array.from(posting.values()));
    }
    this.score = new Float64Array(documents.length);
    this.matched = new Uint8Array(documents.length);
    this.wordBest = new Float32Array(documents.length);
  }

  get size(): number {
    return this.ids.length;
  }

  /**
   * Documents matching every query word (in any order), best first. A word matches exactly (1), as a prefix of
   * a longer word (0.8, so results follow the keyboard while typing), or within a small edit distance
   * (0.5: one typo from 3 letters, two from 8). If no document has every word, documents matching the most
   * words are returned instead, so one mistyped word does not empty the screen.
   */
  search(query: string, limit = 50): SearchHit[] {
    const words = foldedWords(query.slice(0, MAX_QUERY_LENGTH)).slice(0, MAX_QUERY_WORDS);
    if (words.length === 0) return [];
    const { score, matched, wordBest } = this;
    const touched: number[] = [];
    words.forEach((word, position) => {
      const wordTouched: number[] = [];
      for (const [term, quality] of this.matchVocabulary(word, position === words.length - 1)) {
        const docs = this.postingDocs[term]!;
        const weights = this.postingWeights[term]!;
        for (let i = 0; i < docs.length; i++) {
          const document = docs[i]!;
          const value = quality * weights[i]!;
          if (wordBest[document] === 0) wordTouched.push(document);
          if (value > wordBest[document]!) wordBest[document] = value;
        }
      }
      for (const document of wordTouched) {
        if (matched[document] === 0) touched.push(document);
        score[document] = score[document]! + wordBest[document]!;
        matched[document] = matched[document]! + 1;
        wordBest[document] = 0;
      }
    });
    let best = 0;
    for (const document of touched) if (matched[document]! > best) best = matched[document]!;
    // Keep the `limit` best in a small sorted array: cheaper than sorting thousands of one-letter matches.
    const top: number[] = [];
    const better = (a: number, b: number) => score[a]! > score[b]! || (score[a] === score[b] && this.ids[a]! < this.ids[b]!);
    for (const document of touched) {
      if (matched[document] === best && (top.length < limit || better(document, top[top.length - 1]!))) {
        let at = top.length;
        while (at > 0 && better(document, top[at - 1]!)) at--;
        top.splice(at, 0, document);
        if (top.length > limit) top.pop();
      }
    }
    const hits = top.map((document) => ({ id: this.ids[document]!, score: score[document]! }));
    for (const document of touched) {
      score[document] = 0;
      matched[document] = 0;
    }
    return hits;
  }

  /** Vocabulary entries (by index) the query word matches, with the quality of each match. */
  private matchVocabulary(word: string, allowPrefix: boolean): [number, number][] {
    const matches: [number, number][] = [];
    const maxEdits = word.length >= 8 ? 2 : word.length >= 3 ? 1 : 0;
    for (let term = 0; term < this.vocabulary.length; term++) {
      const candidate = this.vocabulary[term]!;
      if (candidate === word) matches.push([term, 1]);
      else if (candidate.startsWith(word) && (allowPrefix || word.length >= 3)) matches.push([term, 0.8]);
      else if (maxEdits > 0 && Math.abs(candidate.length - word.length) <= maxEdits) {
        const distance = boundedEditDistance(word, candidate, maxEdits);
        if (distance <= maxEdits) matches.push([term, 0.5]);
      } else if (maxEdits > 0 && candidate.length > word.length) {
        // A typo in a word still being typed: compare with the candidate's prefix of the same length.
        if (allowPrefix && boundedEditDistance(word, candidate.slice(0, word.length), 1) <= 1) matches.push([term, 0.4]);
      }
    }
    return matches;
  }
}

/**
 * Optimal string alignment distance (Levenshtein plus adjacent transposition), giving up past `max`.
 * Returns max + 1 when the distance exceeds max.
 */
export function boundedEditDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let previousPrevious: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, previousPrevious[j - 2]! + 1);
      current.push(value);
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin > max) return max + 1;
    previousPrevious = previous;
    previous = current;
  }
  return Math.min(previous[b.length]!, max + 1);
}
