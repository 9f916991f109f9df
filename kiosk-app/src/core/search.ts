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
  private readonly postings = new Map<string, Map<number, number>>();
  private readonly ids: string[] = [];

  constructor(documents: readonly SearchDocument[]) {
    documents.forEach((document, index) => {
      this.ids.push(document.id);
      for (const field of document.fields) {
        for (const word of foldedWords(field.text)) {
          let posting = this.postings.get(word);
          if (!posting) {
            posting = new Map();
            this.postings.set(word, posting);
            this.vocabulary.push(word);
          }
          posting.set(index, Math.max(posting.get(index) ?? 0, field.weight));
        }
      }
    });
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
    const scores = new Map<number, { score: number; matched: number }>();
    words.forEach((word, position) => {
      const isLast = position === words.length - 1;
      const perDocument = new Map<number, number>();
      for (const [candidate, quality] of this.matchVocabulary(word, isLast)) {
        for (const [document, weight] of this.postings.get(candidate)!) {
          const value = quality * weight;
          if (value > (perDocument.get(document) ?? 0)) perDocument.set(document, value);
        }
      }
      for (const [document, value] of perDocument) {
        const entry = scores.get(document);
        if (entry) {
          entry.score += value;
          entry.matched += 1;
        } else scores.set(document, { score: value, matched: 1 });
      }
    });
    let best = 0;
    for (const entry of scores.values()) best = Math.max(best, entry.matched);
    const hits: SearchHit[] = [];
    for (const [document, entry] of scores) {
      if (entry.matched === best) hits.push({ id: this.ids[document]!, score: entry.score });
    }
    return hits.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1)).slice(0, limit);
  }

  private matchVocabulary(word: string, allowPrefix: boolean): [string, number][] {
    const matches: [string, number][] = [];
    const maxEdits = word.length >= 8 ? 2 : word.length >= 3 ? 1 : 0;
    for (const candidate of this.vocabulary) {
      if (candidate === word) matches.push([candidate, 1]);
      else if (candidate.startsWith(word) && (allowPrefix || word.length >= 3)) matches.push([candidate, 0.8]);
      else if (maxEdits > 0 && Math.abs(candidate.length - word.length) <= maxEdits) {
        const distance = boundedEditDistance(word, candidate, maxEdits);
        if (distance <= maxEdits) matches.push([candidate, 0.5]);
      } else if (maxEdits > 0 && candidate.length > word.length) {
        // A typo in a word still being typed: compare with the candidate's prefix of the same length.
        if (boundedEditDistance(word, candidate.slice(0, word.length), 1) <= 1 && allowPrefix) matches.push([candidate, 0.4]);
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
