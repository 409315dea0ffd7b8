import { z } from 'zod';
import type { ExportDocumentRow } from '../ledger/ledger.js';
import { DocumentType } from '../ledger/rows.js';

/**
 * The archive package, pure: where each file goes, and the text of every file made for it
 * (BagIt tag files, history.csv, README.txt). A bag (RFC 8493) is a folder with bagit.txt,
 * bag-info.txt, the payload under data/, manifest-sha256.txt over every payload file and
 * tagmanifest-sha256.txt over the tag files: `sha256sum -c` checks both, with no Tanu.
 */

export const BAGIT_TXT = 'BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n';
export const TRUST_ANCHORS = 'data/trust-anchors.pem';
export const VERIFICATION_JSON = 'data/verification/verification.json';
export const VERIFICATION_PDF = 'data/verification/verification.pdf';
export const HISTORY_CSV = 'data/history.csv';
/** Tag files at the bag's top, in the order they are checked. */
export const TAG_FILES = ['bagit.txt', 'bag-info.txt', 'manifest-sha256.txt', 'README.txt'] as const;

/** A batch's folder in the package mirrors the outbox, so its manifest's relative paths still hold. */
export const batchFolder = (d: Pick<ExportDocumentRow, 'centre' | 'issue_date' | 'batch_id'>) => `data/batches/${d.centre}/${d.issue_date}/${d.batch_id}`;

/** A published file of a document: its path in the outbox and in the package. */
export const packagedPath = (d: ExportDocumentRow, inBatch: string) => `${batchFolder(d)}/${inBatch}`;

/** One `<sha256>  <path>` line: the format `sha256sum -c` reads. */
export const checksumLine = (f: { path: string; sha256: string }) => `${f.sha256}  ${f.path}\n`;

/** Checksum lines sorted by path (the tag files'). */
export const checksumLines = (files: readonly { path: string; sha256: string }[]) =>
  [...files]
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .map(checksumLine)
    .join('');

export function bagInfo(info: { organization: string; date: string; selection: string; documents: number; missing: number; oxum: string }): string {
  return [
    `Source-Organization: ${info.organization}`,
    `Bagging-Date: ${info.date}`,
    `External-Description: Tanu archive export of signed recognition documents; selection ${info.selection}`,
    `Tanu-Selection: ${info.selection}`,
    `Tanu-Documents: ${info.documents}`,
    `Tanu-Missing-Documents: ${info.missing}`,
    `Payload-Oxum: ${info.oxum}`,
    '',
  ].join('\n');
}

/** Parses bag-info.txt's `Label: value` lines (continuation lines start with whitespace). */
export function parseBagInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  let last: string | undefined;
  for (const line of text.split('\n')) {
    if (/^\s/.test(line) && last) fields.set(last, `${fields.get(last) ?? ''} ${line.trim()}`);
    else {
      const colon = line.indexOf(':');
      if (colon > 0) fields.set((last = line.slice(0, colon).trim()), line.slice(colon + 1).trim());
    }
  }
  return fields;
}

/** Parses `<sha256>  <path>` lines; a line of another shape is returned as a problem. */
export function parseChecksums(text: string): { entries: Map<string, string>; bad: string[] } {
  const entries = new Map<string, string>();
  const bad: string[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (m?.[1] && m[2]) entries.set(m[2], m[1]);
    else bad.push(line);
  }
  return { entries, bad };
}

/** One document as checked at export time: the verification report's row. */
export const VerifiedDocument = z.strictObject({
  type: DocumentType,
  serial: z.string(),
  revision: z.number().int(),
  status: z.enum(['issued', 'superseded', 'revoked']).describe('Status in the ledger on the export date'),
  file: z.string().describe('Path in the package'),
  sha256: z.string().nullable().describe('SHA-256 the ledger recorded at publication'),
  present: z.boolean().describe('In the outbox with the SHA-256 the ledger recorded'),
  signature_valid: z.boolean().describe('Embedded PAdES signature (PDF) or detached CMS (DOCX), and the .p7s beside it, valid'),
  signer: z.string().nullable(),
  signed_at: z.string().nullable(),
  problems: z.array(z.string()),
});
export type VerifiedDocument = z.infer<typeof VerifiedDocument>;

export const VerificationReport = z.strictObject({
  exported_at: z.string(),
  as_of: z.string().describe('The export date: statuses are as of this day'),
  selection: z.string(),
  totals: z.strictObject({ documents: z.number().int(), valid: z.number().int(), invalid: z.number().int(), missing: z.number().int() }),
  documents: z.array(VerifiedDocument),
});
export type VerificationReport = z.infer<typeof VerificationReport>;

const csvCell = (v: string) => (/[",;\n\r]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);

/** history.csv's first line. */
export const HISTORY_HEADER = `${['serial', 'type', 'revision', 'revisions', 'status', 'superseded_by', 'revoked_at', 'revoked_reason', 'issue_date', 'published_at', 'centre', 'batch'].join(',')}\r\n`;

/**
 * history.csv's lines for the revisions of one serial (one line each, with how many there
 * are and what superseded each): the export writes them serial by serial as the ledger's
 * rows come, sorted by type, serial and revision.
 */
export function historyLines(revisions: readonly ExportDocumentRow[]): string {
  const supersededBy = new Map<number, number>();
  for (const r of revisions) if (r.supersedes !== null) supersededBy.set(r.supersedes, r.revision);
  return revisions
    .map(
      (r) =>
        `${[
          r.serial,
          r.type,
          String(r.revision),
          String(revisions.length),
          r.status,
          supersededBy.has(r.id) ? `${r.serial} rev. ${supersededBy.get(r.id)}` : '',
          r.revoked_at ?? '',
          r.revocation_reason ?? '',
          r.issue_date,
          r.published_at ?? '',
          r.centre,
          r.batch_id,
        ]
          .map(csvCell)
          .join(',')}\r\n`,
    )
    .join('');
}

/** README.txt: how an archivist checks the package with common tools alone, in Kazakh and Russian. */
export function readme(bag: string, example: { pdf: string; p7s: string }): string {
  const commands = `  cd ${bag}
  sha256sum -c manifest-sha256.txt
  sha256sum -c tagmanifest-sha256.txt
  openssl cms -verify -binary -inform DER -in ${example.p7s} -content ${example.pdf} -CAfile ${TRUST_ANCHORS} -out /dev/null
  find data -name '*.p7s' | while read -r s; do openssl cms -verify -binary -inform DER -in "$s" -content "\${s%.p7s}" -CAfile ${TRUST_ANCHORS} -out /dev/null || echo "FAILED $s"; done
  nss=$(mktemp -d) && certutil -N -d sql:$nss --empty-password && certutil -A -d sql:$nss -n tanu-ca -t CT,C,C -i ${TRUST_ANCHORS}
  pdfsig -nssdir sql:$nss ${example.pdf}
`;
  return `Tanu — мұрағаттық экспорт / архивный экспорт

ҚАЗАҚША
Бұл бума BagIt (RFC 8493) пішімінде: data/ ішінде қол қойылған құжаттар (PDF және .p7s),
олар шыққан топтамалардың қол қойылған манифесттері, танылған тұлғалар тізілімі (CSV, XLSX),
history.csv, экспорт кезіндегі тексеру есебі (JSON және қол қойылған PDF) және сенім
тамырлары (${TRUST_ANCHORS}). Тексеру үшін Tanu қажет емес, тек sha256sum, openssl,
certutil және pdfsig (poppler-utils):
${commands}
sha256sum барлық жолға "OK" деп жазуы керек; openssl әр файлға "CMS Verification successful"
деп жазады; pdfsig "Signature is Valid." деп жазуы керек. Бір байт өзгерсе, хэш те, қолтаңба да
сәйкес келмейді. Бірнеше сертификат орталығы болса, certutil әрқайсысын бөлек қосады.

ПО-РУССКИ
Эта папка в формате BagIt (RFC 8493): в data/ подписанные документы (PDF и .p7s),
подписанные манифесты пакетов, из которых они выпущены, реестр признанных лиц (CSV, XLSX),
history.csv, отчёт о проверке на момент экспорта (JSON и подписанный PDF) и корневые
сертификаты доверия (${TRUST_ANCHORS}). Для проверки Tanu не нужен, только sha256sum, openssl,
certutil и pdfsig (poppler-utils):
${commands}
sha256sum должен написать "OK" для каждой строки; openssl пишет "CMS Verification successful"
для каждого файла; pdfsig должен написать "Signature is Valid.". Если изменится хоть один
байт, не сойдутся и хэш, и подпись. Если удостоверяющих центров несколько, certutil добавляет
каждый отдельно.
`;
}
