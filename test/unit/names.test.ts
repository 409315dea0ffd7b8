import { describe, expect, it } from 'vitest';
import { genitiveName, sexOfName } from '../../pipeline/kinds/names.js';
import { iinSex } from '../../pipeline/validate/iin.js';
import { makeIin } from '../support/iin.js';

/** Russian prose names people in the genitive («в лице руководителя …»); Kazakh names are where lvovich alone goes wrong. */
describe('names in Russian prose', () => {
  it('declines a Kazakh woman: her first name stays, her surname and Russian patronymic decline', () => {
    expect(genitiveName('Алимова Гульнар Сериковна')).toBe('Алимовой Гульнар Сериковны');
    expect(genitiveName('Ким Айгерим Сериковна')).toBe('Ким Айгерим Сериковны');
    expect(genitiveName('Сатпаева Динара', 'female')).toBe('Сатпаевой Динары');
    expect(genitiveName('Иванова-Петрова Мария Ивановна')).toBe('Ивановой-Петровой Марии Ивановны');
  });

  it('declines a man, and leaves a Kazakh patronymic as it is', () => {
    expect(genitiveName('Жумабаев Нурлан Серикович')).toBe('Жумабаева Нурлана Сериковича');
    expect(genitiveName('Оспанов Ерлан Болатұлы')).toBe('Оспанова Ерлана Болатұлы');
    expect(genitiveName('Шевченко Тарас Григорьевич')).toBe('Шевченко Тараса Григорьевича');
  });

  it('tells the sex by the patronymic before any guess from the first name, and declines nothing it cannot tell', () => {
    expect(sexOfName('Алимова Гульнар Сериковна')).toBe('female');
    expect(sexOfName('Әлімова Гүлнар Серікқызы')).toBe('female');
    expect(sexOfName('Оспанов Ерлан Болатұлы')).toBe('male');
    expect(genitiveName('Ким Гульнар', null)).toBe('Ким Гульнар');
    expect(genitiveName('Ким Гульнар', 'female')).toBe('Ким Гульнар');
  });

  it("takes the sex from the IIN's 7th digit: odd male, even female", () => {
    expect(iinSex(makeIin('1985-03-15', 'female', 1))).toBe('female');
    expect(iinSex(makeIin('2003-07-21', 'male', 123))).toBe('male');
    expect(iinSex(makeIin('1899-12-31', 'female', 7))).toBe('female');
    expect(iinSex('850315000015')).toBeNull();
  });
});
