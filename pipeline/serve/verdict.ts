import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { type Bilingual, REVOKED, RevocationReason } from '../core/catalogue.js';
import type { DocumentType } from '../ledger/rows.js';
import type { CertificateRow, IssuedDocumentRow } from './reader.js';

/**
 * What the verification service says about a certificate, pure: given the ledger's rows for
 * a serial, the code from the link and today's date, either the document's public view or
 * "not found". Nothing here knows about HTTP.
 */

export const PublicStatus = z.enum(['valid', 'superseded', 'revoked', 'expired']);
export type PublicStatus = z.infer<typeof PublicStatus>;

/** The JSON answer of GET /verify/<serial>/<code>: no IIN, the holder's name shortened. */
export const VerificationJson = z.strictObject({
  serial: z.string(),
  revision: z.number().int(),
  type: z.literal('certificate'),
  status: PublicStatus,
  issued: z.string(),
  expires: z.string(),
  profession_code: z.string(),
  profession: z.strictObject({ kk: z.string(), ru: z.string() }),
  level: z.number().int(),
  centre: z.strictObject({ kk: z.string(), ru: z.string() }),
  holder: z.string(),
  /** Where the current revision is, when this one is superseded. */
  current_revision: z.strictObject({ revision: z.number().int(), url: z.string() }).nullable(),
  revocation: z.strictObject({ date: z.string(), reason: RevocationReason }).nullable(),
});
export type VerificationJson = z.infer<typeof VerificationJson>;

/** A document issued before verification codes existed: its status only, never its holder. */
export const LegacyJson = z.strictObject({ serial: z.string(), revision: z.number().int(), type: z.literal('certificate'), status: PublicStatus });
export type LegacyJson = z.infer<typeof LegacyJson>;

const sha = (text: string) => createHash('sha256').update(text).digest();
/** Compared against when the serial is unknown, so every lookup costs the same comparison. */
const NO_CODE = sha('\u0000no code\u0000');

/**
 * The presented code against the stored one, in constant time: both are hashed first, so
 * the comparison never depends on a length or a common prefix.
 */
export function codeMatches(presented: string, stored: string | null): boolean {
  const same = timingSafeEqual(sha(presented), stored === null ? NO_CODE : sha(stored));
  return same && stored !== null;
}

/** "Жаңғыров Ж.": the last name and the first name's initial; the middle name is left out. */
export function shortName(person: { last_name: string; first_name: string }): string {
  const [initial = ''] = Array.from(person.first_name);
  return `${person.last_name} ${initial}.`;
}

/** A document without an expiry date (any but a certificate) stays valid until revoked or superseded. */
function publicStatus(row: Pick<IssuedDocumentRow, 'status' | 'expires'>, today: string): PublicStatus {
  if (row.status === 'revoked') return 'revoked';
  if (row.status === 'superseded') return 'superseded';
  return row.expires !== null && row.expires < today ? 'expired' : 'valid';
}

/** The link of a revision, relative to the service (the QR's base URL may differ by proxy). */
export const verifyPath = (serial: string, code: string) => `/verify/${encodeURIComponent(serial)}/${encodeURIComponent(code)}`;

/**
 * The certificate behind /verify/<serial>/<code>, or null (wrong code, unknown serial):
 * every revision's code is compared, whatever the first one says.
 */
export function verify(rows: readonly CertificateRow[], code: string, today: string): VerificationJson | null {
  let found: CertificateRow | undefined;
  for (const row of rows.length > 0 ? rows : [null]) {
    const matches = codeMatches(code, row?.verify_code ?? null);
    if (matches && row) found = row;
  }
  if (!found) return null;
  const status = publicStatus(found, today);
  const current = status === 'superseded' ? rows.filter((r) => r.status !== 'superseded').at(-1) : undefined;
  return {
    serial: found.serial,
    revision: found.revision,
    type: 'certificate',
    status,
    issued: found.issued,
    expires: found.expires,
    profession_code: found.profession_code,
    profession: { kk: found.profession_kk, ru: found.profession_ru },
    level: found.level,
    centre: { kk: found.centre_kk, ru: found.centre_ru },
    holder: shortName(found),
    current_revision: current?.verify_code ? { revision: current.revision, url: verifyPath(current.serial, current.verify_code) } : null,
    revocation: found.revoked_at && found.reason ? { date: found.revoked_at.slice(0, 10), reason: found.reason } : null,
  };
}

/**
 * /verify/<serial> of a document issued before codes: its status only. A document that has
 * a code is not found here: its page is only behind its code.
 */
export function verifyLegacy(rows: readonly CertificateRow[], today: string): LegacyJson | null {
  const latest = rows.at(-1);
  if (!latest || rows.some((r) => r.verify_code !== null)) return null;
  return { serial: latest.serial, revision: latest.revision, type: 'certificate', status: publicStatus(latest, today) };
}

/** What an uploaded PDF turned out to be: any kind of document Tanu issued, by its number. */
export type UploadVerdict = { ours: true; type: DocumentType; serial: string; revision: number; status: PublicStatus } | { ours: false };

/** Ours only when the signature holds and the bytes are exactly those the ledger recorded. */
export function uploadVerdict(row: IssuedDocumentRow | undefined, signatureValid: boolean, today: string): UploadVerdict {
  if (!row || !signatureValid) return { ours: false };
  return { ours: true, type: row.type, serial: row.serial, revision: row.revision, status: publicStatus(row, today) };
}

export const STATUS_LABELS: Record<PublicStatus, Bilingual> = {
  valid: { kk: 'жарамды', ru: 'действителен' },
  superseded: { kk: 'жаңа редакциямен ауыстырылған', ru: 'заменён новой редакцией' },
  revoked: REVOKED,
  expired: { kk: 'мерзімі өткен', ru: 'срок действия истёк' },
};
