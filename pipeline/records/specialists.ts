import { z } from 'zod';

/**
 * The administrator's decisions on an application to the registry of specialists and
 * their reasons, as seed 003 (paragraph 9) lists them: register; return for correction,
 * naming one of four reasons; or refuse, naming one of four others. Stable codes: they
 * are stored in the ledger and matched by centres' tooling. The labels are the seed's
 * Kazakh wording (shortened where it runs long) and Tanu's Russian.
 */

export const RegistryDecision = z.enum(['register', 'return', 'refuse']);
export type RegistryDecision = z.infer<typeof RegistryDecision>;

export const RETURN_REASONS = ['profession_mismatch', 'false_category', 'incomplete_documents', 'employment_mismatch'] as const;
export const REFUSE_REASONS = ['court_ban_social_work', 'court_ban_medical', 'incapacity', 'emigration'] as const;
export const RegistryReason = z.enum([...RETURN_REASONS, ...REFUSE_REASONS]);
export type RegistryReason = z.infer<typeof RegistryReason>;

/** Which reasons go with which decision; registering takes none. */
export const REASONS_OF: Record<RegistryDecision, readonly RegistryReason[]> = { register: [], return: RETURN_REASONS, refuse: REFUSE_REASONS };

type Label = { kk: string; ru: string };

export const DECISION_LABELS: Record<RegistryDecision, Label> = {
  register: { kk: 'өтініш тіркелді', ru: 'заявление зарегистрировано' },
  return: { kk: 'қайта қарау үшін қайтарылды', ru: 'возвращено на доработку' },
  refuse: { kk: 'бас тартылды', ru: 'отказано' },
};

export const REASON_LABELS: Record<RegistryReason, Label> = {
  profession_mismatch: { kk: 'кәсіп атауының сәйкес келмеуі', ru: 'несоответствие наименования профессии' },
  false_category: { kk: 'біліктілік санаты туралы жалған ақпарат беру', ru: 'предоставление ложной информации о квалификационной категории' },
  incomplete_documents: {
    kk: 'толық емес құжаттар топтамасын ұсыну және (немесе) олардың қолданылу мерзімінің өтуі',
    ru: 'представление неполного пакета документов и (или) истечение срока их действия',
  },
  employment_mismatch: { kk: 'еңбек қызметі бойынша мәліметтердің сәйкес келмеуі', ru: 'несоответствие сведений о трудовой деятельности' },
  court_ban_social_work: {
    kk: 'сот үкімімен әлеуметтік жұмыскердің кәсіптік қызметін жүзеге асыру құқығынан айырылу',
    ru: 'лишение приговором суда права заниматься профессиональной деятельностью социального работника',
  },
  court_ban_medical: { kk: 'медициналық қызметпен айналысуға тыйым салу туралы сот шешімі', ru: 'решение суда о запрете заниматься медицинской деятельностью' },
  incapacity: { kk: 'әрекетке қабілетсіз немесе әрекет қабілеттілігі шектеулі деп тану', ru: 'признание недееспособным или ограниченно дееспособным' },
  emigration: { kk: 'тұрақты тұру үшін Қазақстан Республикасынан тысқары жерлерге шығу', ru: 'выезд за пределы Республики Казахстан на постоянное место жительства' },
};
