import { describe, expect, it } from 'vitest';
import { applyKey, setTone, typeKeys } from './vietnamese-input.js';

describe('Telex', () => {
  it.each([
    ['tieengs', 'tiếng'],
    ['Vieetj', 'Việt'],
    ['nguwowif', 'người'],
    ['hoaf', 'hoà'],
    ['thuys', 'thuý'],
    ['khoer', 'khoẻ'],
    ['quas', 'quá'],
    ['gias', 'giá'],
    ['giuwx', 'giữ'],
    ['ddi', 'đi'],
    ['DDuwowngf', 'Đường'],
    ['ddawng', 'đăng'],
    ['kys', 'ký'],
    ['toans', 'toán'],
    ['muaf', 'mùa'],
    ['mias', 'mía'],
    ['khuyur', 'khuỷu'],
    ['xoays', 'xoáy'],
    ['hocj', 'học'],
    ['tinhs', 'tính'],
    ['tiesnge', 'tiếng'],
    ['w', 'ư'],
    ['ass', 'as'],
    ['aaa', 'aa'],
    ['ddd', 'dd'],
    ['aww', 'aw'],
    ['asz', 'a'],
    ['Hoaf', 'Hoà'],
    ['giuwowngf', 'giường'],
    ['quyeenr', 'quyển'],
    ['gif', 'gì'],
    ['muwas', 'mứa'],
    ['huouw', 'hươu'],
    ['Nguyeenx', 'Nguyễn'],
    ['thuowr', 'thuở'],
    ['tiw', 'tiw'],
    ['muownj', 'mượn'],
    ['huow', 'huơ'],
    ['thuowng', 'thương'],
    ['quow', 'quơ'],
    ['uoww', 'uow'],
  ])('%s → %s', (keys, expected) => {
    expect(typeKeys(keys, 'telex')).toBe(expected.normalize('NFC'));
  });

  it('moves the tone as the word grows', () => {
    expect(typeKeys('hoas', 'telex')).toBe('hoá');
    expect(typeKeys('hoasn', 'telex')).toBe('hoán');
  });

  it('works word by word in a sentence and leaves digits and spaces alone', () => {
    expect(typeKeys('Tieesng Anh giao tieeps 2', 'telex')).toBe('Tiếng Anh giao tiếp 2');
  });

  it('output is NFC', () => {
    const text = typeKeys('Vieetj Nam', 'telex');
    expect(text).toBe(text.normalize('NFC'));
  });
});

describe('VNI', () => {
  it.each([
    ['tie6ng1', 'tiếng'],
    ['Vie65t', 'Việt'],
    ['nguo72i', 'người'],
    ['thuo73', 'thuở'],
    ['d9i', 'đi'],
    ['hoa2', 'hoà'],
    ['a11', 'a1'],
    ['a66', 'a6'],
    ['da8ng9', 'đăng'],
    ['ho5c', 'học'],
    ['a10', 'a'],
  ])('%s → %s', (keys, expected) => {
    expect(typeKeys(keys, 'vni')).toBe(expected.normalize('NFC'));
  });
});

describe('off and tone picker', () => {
  it('off types keys literally', () => {
    expect(typeKeys('aas', 'off')).toBe('aas');
  });
  it('the tone picker sets or clears the tone of the last word', () => {
    expect(setTone('tieng', 'acute')).toBe('tiéng');
    expect(setTone('tiêng', 'acute')).toBe('tiếng');
    expect(setTone('học', 'none')).toBe('hoc');
    expect(setTone('', 'acute')).toBe('');
    expect(applyKey('abc ', 's', 'telex')).toBe('abc s');
  });
});
