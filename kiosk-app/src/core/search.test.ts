import { describe, expect, it } from 'vitest';
import { foldVietnamese } from './fold.js';
import { boundedEditDistance, SearchIndex } from './search.js';

const documents = [
  {
    id: 'tin-hoc',
    fields: [
      { text: 'Tin học văn phòng cơ bản', weight: 3 },
      { text: 'Word, Excel cho người mới', weight: 1 },
    ],
  },
  {
    id: 'tieng-anh',
    fields: [
      { text: 'Tiếng Anh giao tiếp', weight: 3 },
      { text: 'Nghe nói hằng ngày', weight: 1 },
    ],
  },
  {
    id: 'dan-ghi-ta',
    fields: [
      { text: 'Đàn ghi-ta đệm hát', weight: 3 },
      { text: 'Nhạc cụ cho thanh thiếu niên', weight: 1 },
    ],
  },
  {
    id: 'nau-an',
    fields: [
      { text: 'Nấu ăn gia đình', weight: 3 },
      { text: 'Món ăn Việt, dinh dưỡng', weight: 1 },
    ],
  },
  {
    id: 'tieng-hoa',
    fields: [
      { text: 'Tiếng Hoa cho người mới', weight: 3 },
      { text: 'Giao tiếp cơ bản', weight: 1 },
    ],
  },
];
const index = new SearchIndex(documents);
const ids = (query: string) => index.search(query).map((hit) => hit.id);

describe('folding', () => {
  it('drops tones and shapes and maps đ/Đ to d', () => {
    expect(foldVietnamese('Đàn ghi-ta ĐỆM hát Ưu tiên')).toBe('dan ghi-ta dem hat uu tien');
  });
});

describe('search', () => {
  it('matches without diacritics and with đ typed as d', () => {
    expect(ids('dan ghi ta')).toEqual(['dan-ghi-ta']);
    expect(ids('tieng anh')[0]).toBe('tieng-anh');
  });
  it('ignores word order', () => {
    expect(ids('giao tiếp tiếng anh')[0]).toBe('tieng-anh');
  });
  it('tolerates typos (substitution, transposition, missing letter)', () => {
    expect(ids('tieng ahn')).toEqual(['tieng-anh']);
    expect(ids('tiegn')).toContain('tieng-hoa');
    expect(ids('vna phong')[0]).toBe('tin-hoc');
    expect(ids('giao tiep')).toContain('tieng-anh');
  });
  it('follows the keyboard: the last word may be a prefix', () => {
    expect(ids('tin h')).toEqual(['tin-hoc']);
  });
  it('ranks title matches above description matches', () => {
    expect(ids('giao tiếp')).toEqual(['tieng-anh', 'tieng-hoa']);
  });
  it('returns nothing for an empty or absurd query, quickly', () => {
    expect(ids('   ')).toEqual([]);
    expect(ids('!!!???')).toEqual([]);
    const start = performance.now();
    expect(ids('x'.repeat(10_000))).toEqual([]);
    expect(performance.now() - start).toBeLessThan(200);
  });
  it('edit distance is bounded', () => {
    expect(boundedEditDistance('anh', 'ahn', 1)).toBe(1);
    expect(boundedEditDistance('abcdef', 'uvwxyz', 2)).toBe(3);
  });
});
